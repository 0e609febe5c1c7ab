// The headless mode as a user runs it: a real child process, its stdout, its exit code.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { ROUTES } from '../../server/contract/contract';
import { isPortFree } from '../../server/ports';

const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

async function startHeadless(args: string[], env: NodeJS.ProcessEnv = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-cli-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'server/cli/headless.ts', '--settings', join(dir, 'settings.json'), ...args],
    { env: { ...process.env, NGROK_AUTHTOKEN: '', ...env } },
  );
  children.push(child);
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.match(line))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const nextLine = (match: (line: string) => boolean, timeoutMillis = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const seen = lines.find(match);
      if (seen) return resolve(seen);
      const timer = setTimeout(
        () => reject(new Error(`no such line; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)),
        timeoutMillis,
      );
      waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });
  return { child, lines, nextLine, exited, stderr: () => stderr };
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', body: JSON.stringify(body) }).then(async (r) => ({
    status: r.status,
    key: r.headers.get('x-mirror-api-key'),
    body: (await r.json()) as Record<string, unknown>,
  }));

test('--json --profile tutorial: ready first, the tutorial shapes, a request event per exchange, stopped last on SIGINT', async () => {
  const app = await startHeadless(['--json', '--port', '0', '--profile', 'tutorial', '--api-key', 'api_key']);
  const ready = JSON.parse(await app.nextLine(() => true));
  assert.equal(ready.event, 'ready');
  assert.equal(ready.apiKey, 'api_key');
  assert.equal(ready.connectionDetails, '{}');
  assert.match(ready.mirrorUrl, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.match(ready.uiUrl, /^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
  assert.match(ready.message, /authtoken/);

  const base = ready.mirrorUrl as string;
  const connection = await post(`${base}api/connection`, { connectionDetails: {} });
  assert.deepEqual(connection, {
    status: 200,
    key: 'api_key',
    body: { _type: 'TestConnectionResponse', status: 'OK' },
  });
  const names = await post(`${base}api/field/name`, {
    connectionDetails: {},
    query: {
      conditions: [],
      startTime: 1504174208940,
      endTime: 1504347008940,
      limit: 2147483647,
      latestFirst: true,
    },
  });
  assert.deepEqual(
    (names.body.fields as { fieldName: string; fieldType: string }[]).map((f) => [f.fieldName, f.fieldType]),
    [
      ['field1', 'STRING'],
      ['field2', 'BOOLEAN'],
      ['field3', 'NUMBER'],
    ],
  );
  const values = await post(`${base}api/field/value`, {
    connectionDetails: {},
    query: {
      conditions: [],
      field: { fieldName: 'field1', fieldType: 'STRING', classified: false },
      fieldValuePrefix: '',
      startTime: 1504174208940,
      endTime: 1505124608940,
      limit: 2147483647,
      offset: 0,
    },
  });
  assert.deepEqual(values.body.values, [
    { _type: 'CompleteValue', value: 'value1' },
    { _type: 'FieldValuePattern', value: 'cpu.*' },
  ]);
  const metric = await post(`${base}api/metric`, {
    connectionDetails: {},
    query: { conditions: [], startTime: 1600000000000, endTime: 1600000250000 },
  });
  const telemetry = metric.body.telemetry as { points: [number, number][]; dataFormat: string[] };
  assert.deepEqual(telemetry.dataFormat, ['value', 'timestamp']);
  assert.equal(telemetry.points.length, 50);
  assert.ok(telemetry.points.every(([value]) => value >= 0 && value < 100));

  const requestEvent = JSON.parse(await app.nextLine((line) => line.includes('"operation":"metrics"')));
  assert.equal(requestEvent.event, 'request');
  assert.equal(requestEvent.status, 200);
  assert.equal(requestEvent.resultCount, 50);
  assert.equal(requestEvent.origin, 'local');

  const port = Number(new URL(base).port);
  const signalledAt = Date.now();
  app.child.kill('SIGINT');
  assert.equal(await app.exited, 0);
  assert.ok(Date.now() - signalledAt < 5000, 'exits within 5 s of SIGINT');
  assert.deepEqual(JSON.parse(app.lines.at(-1)!), { event: 'stopped' });
  assert.equal(await isPortFree(port, '127.0.0.1'), true);
});

test('text mode prints the three values to paste, then one line per request', async () => {
  const app = await startHeadless(['--port', '0']);
  const urlLine = await app.nextLine((line) => line.includes('Mirror URL'));
  const mirrorUrl = urlLine.trim().split(/\s+/).at(-1)!;
  await app.nextLine((line) => line.includes('Api Key'));
  await app.nextLine((line) => /Connection details JSON\s+\{\}/.test(line));
  await post(`${mirrorUrl}api/connection`, { connectionDetails: {} });
  const line = await app.nextLine((l) => l.includes('Test Connection'));
  assert.match(line, /^\d\d:\d\d:\d\d\.\d{3} Test Connection +→ 200 in [\d.]+ ms \(local\)$/);
  app.child.kill('SIGTERM');
  assert.equal(await app.exited, 0);
});

test('a mirror port in use: no dead end: the holder named, the window address printed, still running', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const app = await startHeadless(['--port', String(port)]);
    const window = await app.nextLine((line) =>
      line.startsWith('Window (UI and request inspector): http://127.0.0.1:'),
    );
    const printed = app.lines.join('\n');
    assert.match(
      printed,
      new RegExp(`The mirror is not running: Port ${port} is already in use.*Use a free port`),
    );
    assert.match(printed, /Mirror URL {15}\(none: the mirror is not running, see below\)/);
    assert.equal(app.child.exitCode, null, 'the app ended instead of waiting for "Use a free port"');
    // "Use a free port", as the window presses it: the notice promises only what is so (this run's
    // --port still wins at the next start with it).
    const uiUrl = new URL(window.split(': ')[1] ?? '');
    const pressed = await fetch(`${uiUrl.origin}${ROUTES.useFreePort}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${uiUrl.searchParams.get('token')}` },
    });
    assert.equal(pressed.status, 200);
    const notice = await app.nextLine((line) => line.includes('now listens on the free port'));
    assert.match(
      notice,
      new RegExp(`saved as its port; a start with --port ${port} again still uses ${port}\\.$`),
    );
    app.child.kill('SIGINT');
    assert.equal(await app.exited, 0);
  } finally {
    blocker.close();
  }
});

test('a UI port in use: the window opens on another port, and a note says so', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
  const port = (blocker.address() as { port: number }).port;
  try {
    const app = await startHeadless(['--port', '0', '--ui-port', String(port)]);
    const line = await app.nextLine((l) => l.startsWith('Window (UI and request inspector): '));
    assert.notEqual(new URL(line.split(': ')[1] ?? '').port, String(port));
    await app.nextLine((l) =>
      l.startsWith(`Note: The UI port ${port} is already in use, so the window is on port`),
    );
    app.child.kill('SIGINT');
    assert.equal(await app.exited, 0);
  } finally {
    blocker.close();
  }
});

test('a bad option: one line and exit code 2', async () => {
  const app = await startHeadless(['--profile', 'production']);
  assert.equal(await app.exited, 2);
  assert.match(app.stderr(), /--profile must be one of demo, tutorial/);
});
