// 2,000 clients on the public URL ask for a high-cardinality label and never read their answers.
// The mirror must hold them within its stated bounds (answer-bounds.ts): its resident memory stays
// under NON_READER_RSS_BOUND while they hang on, falls back once the write deadline and the idle
// time-out have cut them off, and the mirror still answers a client that reads. Real sockets on
// both listeners, and the RSS of a real child process running the mirror (test/mirror/fixtures).
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { send } from './helpers';

const CLIENTS = 2000;
/** The fixture's label: any field name gets its 100,000 values (not imported: the module starts a mirror). */
const HIGH_CARDINALITY_FIELD = 'request_url';
/**
 * What the clients may add to the mirror's RSS: the 184 MiB docs/limits.md states (the 64 MiB
 * unsent-answer budget and ~60 KB a connection). Written out, not derived from the code's constants,
 * so that raising a limit in the code fails here until the stated figure is changed too.
 */
export const NON_READER_RSS_BOUND = 184 * 1024 * 1024;
/** What the mirror may still hold once every client was cut off: no answer, only what a warm heap keeps. */
const AFTER_CUTOFF_LIVE_BOUND = 8 * 1024 * 1024;
const WRITE_DEADLINE_MILLIS = 3000;
const KEEP_ALIVE_MILLIS = 2000;
const FIXTURE = fileURLToPath(new URL('./fixtures/high-cardinality-mirror.ts', import.meta.url));

/** The request StackState's field-value autocompletion makes, with no limit (Int.MaxValue). */
const REQUEST_BODY = JSON.stringify({
  _type: 'FieldValuesRequest',
  query: {
    _type: 'FieldValuesQuery',
    startTime: 1_600_000_000_000,
    endTime: 1_600_003_600_000,
    limit: 2147483647,
    field: { _type: 'FieldDescriptor', fieldName: HIGH_CARDINALITY_FIELD, fieldType: 'STRING' },
  },
});
const RAW_REQUEST = `POST /api/field/value HTTP/1.1\r\nHost: mirror\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(REQUEST_BODY)}\r\n\r\n${REQUEST_BODY}`;

/** The soft limit on open files: both this process and the child hold a socket per client. */
function openFileLimit(): number {
  return Number(execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim());
}

export interface MirrorChild {
  child: ChildProcess;
  port: number;
  tunnelPort: number;
  /** VmRSS from /proc, read after a full collection in the child. */
  rss(): Promise<number>;
  /** What the child's JS heap and Buffers held at the last rss(): its live memory, without what malloc keeps for reuse. */
  live(): number;
}

export async function startMirrorChild(env: Record<string, string>): Promise<MirrorChild> {
  const child = fork(FIXTURE, [], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { port, tunnelPort } = await new Promise<{ port: number; tunnelPort: number }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { port: number; tunnelPort: number }));
    child.once('exit', (code) => reject(new Error(`the mirror child exited (${code}) before listening`)));
  });
  let liveBytes = 0;
  const rss = async () => {
    const usage = await new Promise<NodeJS.MemoryUsage>((resolve) => {
      child.once('message', (message) => resolve((message as { gcDone: NodeJS.MemoryUsage }).gcDone));
      child.send('gc');
    });
    liveBytes = usage.heapUsed + usage.external;
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
    assert.ok(kib, 'VmRSS in /proc/<pid>/status');
    return Number(kib) * 1024;
  };
  return { child, port, tunnelPort, rss, live: () => liveBytes };
}

const MB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const sockets: Socket[] = [];
let mirror: MirrorChild | null = null;
after(() => {
  for (const socket of sockets) socket.destroy();
  mirror?.child.disconnect();
  mirror?.child.kill('SIGKILL');
});

test(`${CLIENTS} clients that never read a high-cardinality label: RSS stays under the bound, falls back after the cut-off, and the mirror still answers`, async (t) => {
  const limit = openFileLimit();
  if (limit < CLIENTS + 500) {
    t.skip(`the open-file limit (ulimit -n) is ${limit}; ${CLIENTS} sockets need at least ${CLIENTS + 500}`);
    return;
  }
  mirror = await startMirrorChild({
    MIRROR_WRITE_DEADLINE_MILLIS: String(WRITE_DEADLINE_MILLIS),
    MIRROR_KEEP_ALIVE_MILLIS: String(KEEP_ALIVE_MILLIS),
  });
  const running = mirror;
  const baseline = await running.rss();
  const liveAtRest = running.live();
  let peak = baseline;
  for (let opened = 0; opened < CLIENTS; ) {
    for (const end = opened + 100; opened < end; opened++) {
      // Half on the direct listener, half on the tunnel-only one: the bounds hold on both.
      const socket = connect({ host: '127.0.0.1', port: opened % 2 ? running.tunnelPort : running.port });
      socket.on('error', () => undefined);
      socket.pause();
      socket.write(RAW_REQUEST);
      sockets.push(socket);
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
    peak = Math.max(peak, await running.rss());
    // Checked as the clients come: an unbounded mirror would take gigabytes long before the last one.
    assert.ok(
      peak - baseline < NON_READER_RSS_BOUND,
      `after ${opened} non-reading clients the mirror's RSS grew by ${MB(peak - baseline)} (from ${MB(baseline)}), over its ${MB(NON_READER_RSS_BOUND)} bound`,
    );
  }
  t.diagnostic(`RSS ${MB(baseline)} at rest, ${MB(peak)} at most with ${CLIENTS} non-reading clients`);

  // The write deadline cuts the ones with a large answer; the idle time-out the ones answered "busy".
  // The mirror works through the 2,000 requests meanwhile: wait for it, up to a fixed time.
  const waitUntil = performance.now() + WRITE_DEADLINE_MILLIS + KEEP_ALIVE_MILLIS + 20_000;
  let afterCutoff = await running.rss();
  while (running.live() - liveAtRest >= AFTER_CUTOFF_LIVE_BOUND && performance.now() < waitUntil) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    afterCutoff = await running.rss();
  }
  const liveAfter = running.live();
  t.diagnostic(
    `RSS ${MB(afterCutoff)} once they were cut off; live memory (heap used + Buffers) ${MB(liveAtRest)} at rest, ${MB(liveAfter)} after`,
  );
  // RSS may stay up: glibc keeps freed blocks for reuse (its mmap threshold grows after the first
  // large free) and V8 shrinks its heap lazily. What the mirror still holds is its live memory.
  assert.ok(
    liveAfter - liveAtRest < AFTER_CUTOFF_LIVE_BOUND,
    `after the cut-off the mirror still holds ${MB(liveAfter - liveAtRest)} more than at rest (heap used + Buffers)`,
  );

  // Every client was cut off: read now, each gets what was sent before its end, then the close.
  const ends = sockets.map(
    (socket) =>
      new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 10_000);
        socket.on('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
        socket.resume();
      }),
  );
  const closed = (await Promise.all(ends)).filter(Boolean).length;
  assert.equal(
    closed,
    CLIENTS,
    `${CLIENTS - closed} non-reading connections were still open after the cut-off`,
  );

  const reading = await send(running.port, { path: '/api/field/value', body: REQUEST_BODY });
  assert.equal(reading.status, 200, reading.text.slice(0, 300));
  const answer = reading.json() as { values: unknown[]; isPartial: boolean };
  assert.equal(answer.values.length, 10_000, 'no limit asked: the 10,000 the README states');
  assert.equal(answer.isPartial, true, 'isPartial: there are more values');
});
