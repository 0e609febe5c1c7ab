// A window that stops reading its event stream (a frozen tab, a suspended laptop) while the mirror is
// busy: the app must queue a bounded amount for it, say afterwards how much it skipped, and give up on
// it when it stays away too long. Real sockets on 127.0.0.1, a real runtime.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCount } from '../../bench/load';
import { type ControlEvent, type LogEntry, ROUTES } from '../../server/contract/contract';
import {
  EVENT_STREAM_LIMITS,
  type RunningControlServer,
  startControlServer,
} from '../../server/control/server';
import { type Runtime, startRuntime } from '../../server/runtime';
import { FileSettingsStore } from '../../server/settings/file-store';
import { takeEventFrames } from './event-frames';

/** Enough that an unbounded writer would queue tens of MiB for the stalled window. */
const REQUESTS = 5000;
/**
 * What may reach a window that resumes: the server's bound (512 KiB), one batch beyond it (at most 500
 * entries of ~5 KiB), and what the kernel buffers on loopback (up to 4 MiB of send buffer, measured ~3.8).
 */
const RECEIVED_LIMIT_BYTES = 10 * 1024 * 1024;

let runtime: Runtime;
let dir: string;
let mirrorPort: number;
const extraServers: RunningControlServer[] = [];

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mirror-backpressure-'));
  runtime = await startRuntime({
    store: new FileSettingsStore(join(dir, 'settings.json')),
    overrides: { mirrorPort: 0 },
    env: {},
    uiRoot: join(dir, 'no-ui-built'),
  });
  mirrorPort = runtime.session.state.mirror.port ?? 0;
});
after(async () => {
  for (const server of extraServers) await server.close();
  await runtime.stop();
});

/** Twenty minutes of raw 10 s samples: a response body well past the 4 KiB the log keeps of it. */
function metricRequest() {
  const now = Date.now();
  return {
    path: '/api/metric',
    body: JSON.stringify({
      _type: 'MetricsRequest',
      connectionDetails: {},
      query: { _type: 'MetricsQuery', conditions: [], startTime: now - 20 * 60_000, endTime: now },
    }),
  };
}

interface Stream {
  events: ControlEvent[];
  /** Bytes of the body received so far. */
  bytes(): number;
  pause(): void;
  resume(): void;
  ended(): boolean;
  /** Resolves once `predicate` holds, or rejects after `timeoutMillis` with `promise` in the message. */
  until(predicate: () => boolean, timeoutMillis: number, promise: string): Promise<void>;
  /** Resolves once nothing arrived for `quietMillis` (counted from the last data or resume). */
  quiet(quietMillis: number, timeoutMillis: number): Promise<void>;
  close(): void;
}

/** Opens the event stream with a plain http request, so that pausing it really stops reading the socket. */
function openStream(control: RunningControlServer): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const events: ControlEvent[] = [];
    let bytes = 0;
    let text = '';
    let ended = false;
    let lastData = performance.now();
    const req = request(
      { host: '127.0.0.1', port: control.port, path: `${ROUTES.events}?token=${control.token}` },
      (res: IncomingMessage) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          bytes += Buffer.byteLength(chunk);
          lastData = performance.now();
          text = takeEventFrames(text + chunk, events);
        });
        const finish = () => {
          ended = true;
        };
        res.on('end', finish);
        res.on('close', finish);
        res.on('error', finish);
        const poll = (done: () => boolean, timeoutMillis: number, failure: () => Error) =>
          new Promise<void>((ok, fail) => {
            const deadline = performance.now() + timeoutMillis;
            const check = () => {
              if (done()) ok();
              else if (performance.now() > deadline) fail(failure());
              else setTimeout(check, 20);
            };
            check();
          });
        resolve({
          events,
          bytes: () => bytes,
          pause: () => res.pause(),
          resume: () => {
            lastData = performance.now();
            res.resume();
          },
          ended: () => ended,
          until: (predicate, timeoutMillis, promise) =>
            poll(
              predicate,
              timeoutMillis,
              () => new Error(`${promise} (events so far: ${describe(events)}; ended: ${ended})`),
            ),
          quiet: (quietMillis, timeoutMillis) =>
            poll(
              () => performance.now() - lastData > quietMillis,
              timeoutMillis,
              () => new Error(`the stream never went quiet (${bytes} bytes)`),
            ),
          close: () => req.destroy(),
        });
      },
    );
    req.on('error', (error) => (events.length === 0 ? reject(error) : undefined));
    req.end();
  });
}

function describe(events: readonly ControlEvent[]): string {
  const counts = new Map<string, number>();
  for (const event of events) counts.set(event.type, (counts.get(event.type) ?? 0) + 1);
  return [...counts].map(([type, count]) => `${type}×${count}`).join(', ');
}

const logEntries = (events: readonly ControlEvent[]): LogEntry[] =>
  events.flatMap((event) => (event.type === 'log' ? event.entries : []));

test('a window that stops reading costs a bounded buffer, and then hears how many requests it missed', async () => {
  const stream = await openStream(runtime.control);
  await stream.until(() => stream.events.length >= 2, 5000, 'the stream starts with the state and the log');
  const snapshotEvents = stream.events.length;
  const firstId = runtime.session.log.size === 0 ? 1 : (runtime.session.log.list().at(-1)?.id ?? 0) + 1;
  stream.pause();

  const started = performance.now();
  await runCount(mirrorPort, [metricRequest()], { concurrency: 16, count: REQUESTS });
  const loadMillis = performance.now() - started;
  // What an unbounded writer would have queued for the stalled window: every entry, serialised.
  const kept = runtime.session.log.list();
  const averageBytes = kept.reduce((total, entry) => total + JSON.stringify(entry).length, 0) / kept.length;
  const unboundedBytes = averageBytes * REQUESTS;
  // Let the last batch be decided (written or counted) while the window still does not read.
  await new Promise((resolve) => setTimeout(resolve, 300));

  const beforeResume = stream.bytes();
  stream.resume();
  await stream.quiet(500, 60_000);
  const received = stream.bytes() - beforeResume;
  const during = stream.bytes();
  console.log(
    `${REQUESTS} requests in ${Math.round(loadMillis)} ms; an unbounded writer would have queued ` +
      `${mib(unboundedBytes)}; the window got ${mib(during)} in all, ${mib(received)} after resuming`,
  );
  assert.ok(
    unboundedBytes > 2 * RECEIVED_LIMIT_BYTES,
    `the test must load the stream well past its bound (would queue ${mib(unboundedBytes)})`,
  );
  assert.ok(
    during < RECEIVED_LIMIT_BYTES,
    `the app queued ${mib(during)} for a window that did not read: the event stream must stop queueing past its bound (${mib(EVENT_STREAM_LIMITS.maxBufferedBytes)})`,
  );

  const after = stream.events.slice(snapshotEvents);
  assert.ok(
    after.some((event) => event.type === 'log-gap'),
    `a window that stopped reading must get a log-gap event once it reads again (got ${describe(after)})`,
  );
  const gapIndex = after.findIndex((event) => event.type === 'log-gap');
  const gaps = after.filter((event) => event.type === 'log-gap');
  assert.equal(gaps.length, 1, 'one stall, one gap event');
  const gap = gaps[0] as Extract<ControlEvent, { type: 'log-gap' }>;
  const sent = logEntries(after.slice(0, gapIndex));
  assert.ok(gap.skipped > 0, 'the gap event must count what was skipped');
  assert.equal(
    sent.length + gap.skipped,
    REQUESTS,
    `every request is either sent or counted as skipped (sent ${sent.length}, skipped ${gap.skipped})`,
  );
  assert.deepEqual(
    sent.map((entry) => entry.id),
    Array.from({ length: sent.length }, (_, index) => firstId + index),
    'what was sent before the stall is the oldest requests, in order, with no hole',
  );
  assert.equal(
    logEntries(after.slice(gapIndex)).length,
    0,
    'nothing is sent between the gap and new requests',
  );

  // Live again: the next requests arrive as log events after the gap.
  const next = (runtime.session.log.list().at(-1)?.id ?? 0) + 1;
  await runCount(mirrorPort, [metricRequest()], { concurrency: 2, count: 5 });
  await stream.until(
    () => logEntries(stream.events.slice(snapshotEvents + gapIndex)).length >= 5,
    5000,
    'after the gap the stream must bring new requests live again',
  );
  assert.deepEqual(
    logEntries(stream.events.slice(snapshotEvents + gapIndex)).map((entry) => entry.id),
    [next, next + 1, next + 2, next + 3, next + 4],
  );
  stream.close();
});

test('a window that stays stalled past the cut-off gets a final event and its stream ended', async () => {
  const control = await startControlServer({
    session: runtime.session,
    uiRoot: join(dir, 'no-ui-built'),
    eventStream: { maxBufferedBytes: 64 * 1024, stallCutoffMillis: 800, endGraceMillis: 20_000 },
  });
  extraServers.push(control);
  const stream = await openStream(control);
  await stream.until(() => stream.events.length >= 2, 5000, 'the stream starts with the state and the log');
  const snapshotEvents = stream.events.length;
  stream.pause();

  await runCount(mirrorPort, [metricRequest()], { concurrency: 16, count: 3000 });
  // Well past the cut-off, and requests keep coming meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  await runCount(mirrorPort, [metricRequest()], { concurrency: 4, count: 50 });

  stream.resume();
  await stream.until(
    () => stream.ended(),
    10_000,
    'a stream stalled past its cut-off must be ended by the server',
  );
  const last = stream.events.at(-1);
  assert.equal(
    last?.type,
    'stream-end',
    'the last thing an ended stream says is why, so the page reconnects',
  );
  const end = last as Extract<ControlEvent, { type: 'stream-end' }>;
  assert.ok(end.skipped > 0, 'the final event counts what was skipped');
  assert.ok(
    logEntries(stream.events.slice(snapshotEvents)).length + end.skipped <= 3000,
    'requests after the cut-off are neither sent nor counted: the stream no longer listens',
  );
  assert.ok(
    stream.bytes() < RECEIVED_LIMIT_BYTES,
    `the app queued ${mib(stream.bytes())} for a window that did not read`,
  );
});

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
