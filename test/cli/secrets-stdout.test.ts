// No secret on stdout: the real `npm run headless -- --json` command, in a child process, prints
// nothing before its first JSON line (npm's "> exec node …" banner included, see .npmrc), and the
// Prometheus bearer token reaches Prometheus from the PROMETHEUS_BEARER_TOKEN variable, from
// --prometheus-bearer-token-file, or (with a warning on stderr) from the old flag, never stdout.
// A Prometheus stand-in (node:http) records the Authorization header the mirror sends.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

const SECRET = 'sekrit-bearer-4711';

let prometheus: Server;
let prometheusUrl = '';
const authorizations: string[] = [];
before(async () => {
  prometheus = createServer((request, response) => {
    authorizations.push(String(request.headers.authorization ?? ''));
    // Test Connection asks the query API itself (prometheus-readiness.ts): `1` is a scalar.
    if (request.url?.startsWith('/api/v1/query')) {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '1'] } }));
      return;
    }
    response.end('Prometheus Server is Ready.\n');
  });
  await new Promise<void>((resolve) => prometheus.listen(0, '127.0.0.1', resolve));
  prometheusUrl = `http://127.0.0.1:${(prometheus.address() as { port: number }).port}`;
});
const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
  prometheus.close();
});

/** Runs `npm run headless -- --json …` until its first line; returns stdout and stderr so far. */
async function runHeadless(extraArgs: string[], env: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'headless-secrets-'));
  const args = ['run', 'headless', '--', '--json', '--tunnel', 'none', '--port', '0'];
  args.push('--settings', join(dir, 's.json'), '--prometheus-url', prometheusUrl, ...extraArgs);
  const child = spawn('npm', args, {
    env: { ...process.env, MIRROR_TRAY_SKIP_BUILD: '1', NGROK_AUTHTOKEN: '', ...env },
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const deadline = performance.now() + 60_000;
  // The first JSON line, wherever it is: whether anything comes before it is asserted after.
  while (!/^\{.*\n/m.test(stdout)) {
    assert.ok(performance.now() < deadline, `no line on stdout; stderr:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const ready = JSON.parse(/^\{.*$/m.exec(stdout)![0]) as { localUrl: string };
  // Test Connection makes the mirror call Prometheus with its credentials.
  const answer = await fetch(new URL('/api/connection', ready.localUrl), { method: 'POST', body: '{}' });
  assert.equal(answer.status, 200, await answer.text());
  await new Promise((resolve) => setTimeout(resolve, 200));
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  return { stdout, stderr };
}

function assertCleanStdout(stdout: string, how: string) {
  assert.ok(
    stdout.startsWith('{'),
    `${how}: stdout starts with its first JSON line, not:\n${stdout.slice(0, 200)}`,
  );
  for (const line of stdout.split('\n').filter((one) => one !== '')) {
    assert.doesNotThrow(
      () => JSON.parse(line),
      `${how}: a stdout line that is not JSON: ${line.slice(0, 200)}`,
    );
  }
  assert.ok(!stdout.includes(SECRET), `${how}: the secret is on stdout`);
}

test('the bearer token from PROMETHEUS_BEARER_TOKEN: used, and never on stdout', async () => {
  authorizations.length = 0;
  const { stdout } = await runHeadless([], { PROMETHEUS_BEARER_TOKEN: SECRET });
  assertCleanStdout(stdout, 'from the variable');
  assert.ok(authorizations.includes(`Bearer ${SECRET}`), `Prometheus got ${JSON.stringify(authorizations)}`);
});

test('the bearer token from --prometheus-bearer-token-file: used, and never on stdout', async () => {
  authorizations.length = 0;
  const file = join(await mkdtemp(join(tmpdir(), 'token-')), 'token');
  await writeFile(file, `${SECRET}\n`, { mode: 0o600 });
  const { stdout } = await runHeadless(['--prometheus-bearer-token-file', file]);
  assertCleanStdout(stdout, 'from the file');
  assert.ok(authorizations.includes(`Bearer ${SECRET}`), `Prometheus got ${JSON.stringify(authorizations)}`);
});

test('the old --prometheus-bearer-token flag still works, warns on stderr, and stays off stdout (npm banner included)', async () => {
  authorizations.length = 0;
  const { stdout, stderr } = await runHeadless(['--prometheus-bearer-token', SECRET]);
  assertCleanStdout(stdout, 'from the flag');
  assert.match(stderr, /--prometheus-bearer-token on the command line can be read by other users/);
  assert.ok(authorizations.includes(`Bearer ${SECRET}`), `Prometheus got ${JSON.stringify(authorizations)}`);
});
