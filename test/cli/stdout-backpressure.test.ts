// The headless mode with a stdout nobody reads (a paused pager, a stuck log shipper) while the
// mirror is busy: the process must not queue every request line, and must say what it dropped once
// the reader is back. A real child process, its real stdout pipe, real requests on 127.0.0.1.
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type BenchRequest, runCount } from '../../bench/load';
import { fixtureText } from '../mirror/fixtures';
import { headlessJsonArgs } from './headless-args';

/** Requests sent while stdout is not read: an unbounded writer would queue a line (~300 B) for each. */
const REQUESTS = 10_000;
/** Request lines that may still arrive from the stall: the process's bound, the pipe, our own buffer. */
const STALL_LINES_LIMIT_BYTES = 1024 * 1024;
/** Resident memory the stall may add to the process. */
const RSS_GROWTH_LIMIT_BYTES = 100 * 1024 * 1024;

const children: ChildProcessWithoutNullStreams[] = [];
after(() => {
  for (const child of children) child.kill('SIGKILL');
});

const REQUEST_MIX: BenchRequest[] = [
  { path: '/api/connection', body: fixtureText('sample-test-connection.request') },
  { path: '/api/field/name', body: fixtureText('sample-field-names.request') },
  { path: '/api/field/value', body: fixtureText('sample-field-values.request') },
  { path: '/api/metric', body: fixtureText('sample-metric-raw.request') },
];

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  assert.ok(kib, 'VmRSS in /proc/<pid>/status');
  return Number(kib) * 1024;
}

test('--json to a stdout nobody reads: request lines are dropped and counted, memory stays bounded, and the count is printed when the reader is back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-stdout-'));
  const child = spawn(process.execPath, headlessJsonArgs(dir), {
    env: { ...process.env, NGROK_AUTHTOKEN: '' },
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines: string[] = [];
  const sizes: number[] = [];
  let partial = '';
  let lastData = performance.now();
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    lastData = performance.now();
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      sizes.push(Buffer.byteLength(line) + 1);
    }
  });
  const until = (predicate: () => boolean, timeoutMillis: number, promise: string) =>
    new Promise<void>((resolve, reject) => {
      const deadline = performance.now() + timeoutMillis;
      const check = () => {
        if (predicate()) resolve();
        else if (performance.now() > deadline)
          reject(
            new Error(`${promise}\nlast stdout lines:\n${lines.slice(-5).join('\n')}\nstderr:\n${stderr}`),
          );
        else setTimeout(check, 20);
      };
      check();
    });
  const events = () => lines.map((line) => JSON.parse(line) as { event: string; requests?: number });

  await until(() => lines.length > 0, 30_000, 'the headless process must print its ready line');
  const ready = JSON.parse(lines[0] ?? '{}') as { event: string; localUrl: string };
  assert.equal(ready.event, 'ready');
  const port = Number(new URL(ready.localUrl).port);

  // Warm up while stdout is read, so that what the stall adds is not the first requests' cost.
  const warmUp = 400;
  await runCount(port, REQUEST_MIX, { concurrency: 8, count: warmUp });
  await until(
    () => events().filter((e) => e.event === 'request').length === warmUp,
    10_000,
    'every request is printed while stdout is read',
  );
  const linesBefore = lines.length;
  const rssBefore = await rssBytes(child.pid ?? 0);

  child.stdout.pause();
  const started = performance.now();
  await runCount(port, REQUEST_MIX, { concurrency: 16, count: REQUESTS });
  const loadMillis = performance.now() - started;
  const rssStalled = await rssBytes(child.pid ?? 0);

  lastData = performance.now();
  child.stdout.resume();
  // Take whatever the process queued for us, until it has nothing more to say.
  await until(() => performance.now() - lastData > 500, 60_000, 'stdout never went quiet');
  const all = events();
  const found = all.findIndex((e) => e.event === 'dropped');
  const droppedAt = found < 0 ? all.length : found;
  const dropped = all[droppedAt]?.requests ?? 0;
  const printedInStall = all.slice(linesBefore, droppedAt).filter((e) => e.event === 'request').length;
  const stallBytes = sizes.slice(linesBefore, droppedAt).reduce((total, size) => total + size, 0);
  const averageLine = stallBytes / Math.max(1, printedInStall);
  console.log(
    `${REQUESTS} requests in ${Math.round(loadMillis)} ms with stdout not read: ${printedInStall} lines ` +
      `(${kib(stallBytes)}) printed, ${dropped} dropped; an unbounded writer would have queued ` +
      `${kib(averageLine * REQUESTS)}; RSS ${mib(rssBefore)} → ${mib(rssStalled)}`,
  );

  assert.ok(
    stallBytes < STALL_LINES_LIMIT_BYTES,
    `the process queued ${kib(stallBytes)} of request lines for a stdout nobody read: it must drop them past its bound`,
  );
  assert.ok(
    averageLine * REQUESTS > 2 * STALL_LINES_LIMIT_BYTES,
    'the test must load stdout well past its bound',
  );
  assert.ok(
    rssStalled - rssBefore < RSS_GROWTH_LIMIT_BYTES,
    `a stalled stdout grew the process by ${mib(rssStalled - rssBefore)}: it must stay bounded`,
  );
  assert.ok(
    found >= 0,
    'once stdout is read again, a {"event":"dropped"} line must say how many request lines were not printed',
  );
  assert.ok(dropped > 0, 'the dropped line must count what was not printed');
  assert.equal(
    printedInStall + dropped,
    REQUESTS,
    `every request is either printed or counted as dropped (printed ${printedInStall}, dropped ${dropped})`,
  );

  // Printing again: the next requests are printed after the dropped line.
  await runCount(port, REQUEST_MIX, { concurrency: 2, count: 8 });
  await until(
    () =>
      events()
        .slice(droppedAt)
        .filter((e) => e.event === 'request').length === 8,
    10_000,
    'after the dropped line, request lines must be printed again',
  );
  child.kill('SIGKILL');
});

const kib = (bytes: number) => `${Math.round(bytes / 1024)} KiB`;
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
