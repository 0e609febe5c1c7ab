// The ngrok child as the desktop app runs it, with a real child process: in its own process group
// (Ctrl-C in a terminal signals the foreground group, and must not kill the child before the session
// closes it), and its stderr in main.log with the authtoken scrubbed, since a packaged app has no
// console. electron/main.ts connects the two with setNgrokChildOutput(… log.write …), as here.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorLog } from '../../electron/error-log';
import { setNgrokChildOutput } from '../../server/tunnel/child-output';
import { NgrokTunnel } from '../../server/tunnel/ngrok';

const TOKEN = '2noisyTokenABCDEFGHIJKLMNOPQRSTU_0123456789abcdefgh';
const NOISY_CHILD = fileURLToPath(new URL('./fixtures/noisy-ngrok-child.mjs', import.meta.url));

const processGroup = (pid: number) =>
  Number(spawnSync('ps', ['-o', 'pgid=', '-p', String(pid)], { encoding: 'utf8' }).stdout.trim());

test('the ngrok child runs in its own process group, and its stderr goes to main.log without the authtoken', {
  skip: process.platform === 'win32' ? 'process groups are POSIX' : false,
}, async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'mirror-child-output-'));
  const log = new ErrorLog(folder);
  setNgrokChildOutput((text, stream) => log.write('warn', `ngrok child ${stream}: ${text.trimEnd()}`));
  t.after(() => {
    setNgrokChildOutput(null);
    rmSync(folder, { recursive: true, force: true });
  });
  const tunnel = new NgrokTunnel({
    authtoken: TOKEN,
    childEntry: { modulePath: NOISY_CHILD, execArgv: [] },
    connectTimeoutMillis: 1500,
    killGraceMillis: 200,
  });
  const opening = tunnel.open({ target: { host: '127.0.0.1', port: 9 } }).then(
    () => assert.fail('the tunnel opened'),
    (error: Error) => error,
  );
  const deadline = Date.now() + 5000;
  while (tunnel.childPid === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const pid = tunnel.childPid;
  assert.ok(pid !== null, 'the child started');
  assert.notEqual(
    processGroup(pid),
    processGroup(process.pid),
    'the child shares the terminal’s process group',
  );
  assert.equal(processGroup(pid), pid, 'the child leads a group of its own');

  const error = await opening;
  assert.match(error.message, /did not|time|within/i);
  const text = readFileSync(log.path, 'utf8');
  assert.match(text, /WARN ngrok child stderr: ngrok: session failed: authtoken \*\*\*/);
  assert.ok(!text.includes(TOKEN), 'the authtoken reached main.log');
  assert.equal(spawnSync('kill', ['-0', String(pid)]).status, 1, 'the child is gone after the time-out');
});
