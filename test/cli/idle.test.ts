// The headless mode left alone with the window's event stream open, as on a desk all day: its main
// thread (where every timer of ours runs) must sleep, not wake up every second to check sockets or
// send keep-alive comments. A real child process, real sockets on 127.0.0.1, and what the kernel
// counts for it in /proc (Linux only).
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { headlessJsonArgs } from './headless-args';

/** Longer than every period the idle app used to wake at: 1 s (socket checks), 15 s (keep-alive). */
const IDLE_SECONDS = 16;
/** Time for the use before to be over: the control port's keep-alive time-out, and a check. */
const SETTLE_MILLIS = 7000;
/** Wake-ups allowed in that time: none are expected; one leaves room for a stray one. */
const MAX_WAKE_UPS = 1;
/** CPU time of the main thread allowed in that time: a sleeping thread uses none. */
const MAX_CPU_MILLIS = 5;

const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

/** The main thread's wake-ups so far (each time it slept and was woken) and CPU time, from /proc. */
async function mainThread(pid: number): Promise<{ wakeUps: number; cpuMillis: number }> {
  const status = await readFile(`/proc/${pid}/task/${pid}/status`, 'utf8');
  const wakeUps = Number(/^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1]);
  // The first field is the time spent running, in nanoseconds.
  const schedstat = await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8');
  const cpuMillis = Number(schedstat.split(' ')[0]) / 1e6;
  assert.ok(Number.isFinite(wakeUps) && Number.isFinite(cpuMillis), 'the counters are in /proc');
  return { wakeUps, cpuMillis };
}

/** One request: on a connection of its own (closed after the answer, as curl does), or on `agent`'s. */
function getOnce(url: string, method = 'GET', agent: Agent | false = false): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

test('left idle with the window’s event stream open, the headless process sleeps: its main thread does not wake up for 16 s', {
  skip: !existsSync('/proc/self/task') && 'needs Linux /proc',
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-idle-'));
  const child = spawn(
    process.execPath,
    // V8's memory reducer runs a few garbage collections, 8 s apart, in the first minute after a
    // process was busy, then stops for good: it is not ours, and would make this test a minute long.
    ['--no-memory-reducer', ...headlessJsonArgs(dir), '--api-key', 'idle-key'],
    { env: { ...process.env, NGROK_AUTHTOKEN: '' } },
  );
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const ready = await new Promise<{ mirrorUrl: string; uiUrl: string }>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const event = JSON.parse(line) as { event: string; mirrorUrl: string; uiUrl: string };
      if (event.event === 'ready') resolve(event);
    });
    child.on('exit', (code) => reject(new Error(`the headless process exited with ${code}: ${stderr}`)));
  });
  const ui = new URL(ready.uiUrl);
  const token = ui.searchParams.get('token') ?? '';

  // Some use first: the mirror answers curl, and the window asks for the state over a connection
  // it keeps open afterwards, as a browser does; then all goes quiet.
  const mirror = new URL(ready.mirrorUrl);
  assert.equal(await getOnce(`http://127.0.0.1:${mirror.port}/api/connection`, 'POST'), 200);
  const browserLike = new Agent({ keepAlive: true });
  after(() => browserLike.destroy());
  const state = `http://127.0.0.1:${ui.port}/control/state?token=${token}`;
  assert.equal(await getOnce(state, 'GET', browserLike), 200);

  let received = 0;
  const stream = request(`http://127.0.0.1:${ui.port}/control/events?token=${token}`);
  const opened = new Promise<void>((resolve, reject) => {
    stream.on('response', (response) => {
      assert.equal(response.statusCode, 200);
      response.on('data', () => received++);
      resolve();
    });
    stream.on('error', reject);
  });
  stream.end();
  await opened;
  try {
    // The last log batch goes out, and the control port closes the idle kept-alive connection
    // (5 s): then nothing is due.
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MILLIS));
    const receivedBefore = received;
    const before = await mainThread(child.pid ?? 0);
    await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const after = await mainThread(child.pid ?? 0);

    const wakeUps = after.wakeUps - before.wakeUps;
    const cpuMillis = after.cpuMillis - before.cpuMillis;
    const figures = `${wakeUps} wake-ups and ${cpuMillis.toFixed(1)} ms of CPU in ${IDLE_SECONDS} s`;
    assert.ok(child.exitCode === null, `the process is still running (${stderr})`);
    assert.equal(received, receivedBefore, 'the window was sent nothing while nothing happened');
    assert.ok(wakeUps <= MAX_WAKE_UPS, `the idle process woke up: ${figures}`);
    assert.ok(cpuMillis <= MAX_CPU_MILLIS, `the idle process used CPU: ${figures}`);
  } finally {
    stream.destroy();
  }
});
