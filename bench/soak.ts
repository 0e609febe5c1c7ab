// `npm run soak`: the real headless process under a minute of mixed traffic (Test Connection, field
// names, field values, raw and aggregated metrics, with the bodies StackState sends) while a window's
// event stream is read slowly (a little, then a pause). Prints throughput, p50/p99 latency, the
// process's resident memory at the start, its peak and at the end, and what the slow reader and
// stdout were spared. Loopback only; bounded in time; every child is stopped at the end.
//   npm run soak                        60 s
//   npm run soak -- --seconds 10        or SOAK_SECONDS=10
// The load comes from wrk (with a Lua script for the bodies) when it is installed, else (or with
// BENCH_LOAD=node) from a Node load generator (both from external-load.ts, as `npm run bench` uses) in a child process of its own: never from the measured process, nor from this one,
// which runs the slow reader. Then 2,000 clients ask for a day of points and never read: the RSS
// ceiling they reach is printed (the mirror's bounds: server/mirror/answer-bounds.ts).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { type IncomingMessage, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionState } from '../server/contract/contract';
import { headlessJsonArgs } from '../test/cli/headless-args';
import { fixture, fixtureText } from '../test/mirror/fixtures';
import { externalLoad, loadTool } from './external-load';
import type { BenchRequest } from './load';
import { nonReaderPhase } from './non-readers';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CONNECTIONS = 16;
/** The slow reader reads for this long, then pauses for PAUSE_MILLIS. */
const READ_MILLIS = 50;
const PAUSE_MILLIS = 2000;
/** Clients of the last phase, which never read their answers (fewer if ulimit -n is lower). */
const NON_READERS = 2000;

/** A docs example for the last three hours of `metricField`, with the example's conditions. */
function onMetric(name: 'docs-metric-aggregated.request' | 'docs-metric-raw.request', metricField: string) {
  const body = fixture(name) as { query: Record<string, unknown> };
  const now = Math.floor(Date.now() / 60_000) * 60_000;
  return { ...body, query: { ...body.query, metricField, startTime: now - 3 * 3_600_000, endTime: now } };
}

/** The bodies StackState sends, for the four operations; `metricField` is one the app's catalog has. */
const requestMix = (metricField: string): BenchRequest[] => [
  { path: '/api/connection', body: fixtureText('sample-test-connection.request') },
  { path: '/api/field/name', body: fixtureText('sample-field-names.request') },
  { path: '/api/field/value', body: fixtureText('sample-field-values.request') },
  { path: '/api/metric', body: fixtureText('sample-metric-raw.request') },
  { path: '/api/metric', body: fixtureText('sample-metric-aggregated.request') },
  { path: '/api/field/name', body: fixtureText('docs-field-names.request') },
  { path: '/api/field/value', body: fixtureText('docs-field-values.request') },
  // The docs' metric examples name a metric the demo does not have: the same shape, on one it has.
  { path: '/api/metric', body: JSON.stringify(onMetric('docs-metric-aggregated.request', metricField)) },
  { path: '/api/metric', body: JSON.stringify(onMetric('docs-metric-raw.request', metricField)) },
];

/** The first metric of the running app's catalog, from its control API. */
async function firstMetric(uiUrl: string): Promise<string> {
  const url = new URL(uiUrl);
  const response = await fetch(`${url.origin}/control/state`, {
    headers: { authorization: `Bearer ${url.searchParams.get('token') ?? ''}` },
  });
  const state = (await response.json()) as SessionState;
  return state.catalog.metrics[0] ?? 'cpu.usage';
}

function seconds(): number {
  const flag = process.argv.indexOf('--seconds');
  const value = Number(flag >= 0 ? process.argv[flag + 1] : (process.env.SOAK_SECONDS ?? 60));
  if (!Number.isFinite(value) || value <= 0 || value > 3600) throw new Error('--seconds takes 1 to 3600');
  return value;
}

async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
}

/** The headless process, its ready line, and counts of what it printed. */
async function startHeadless(dir: string) {
  const child = spawn(process.execPath, headlessJsonArgs(dir), {
    cwd: ROOT,
    env: { ...process.env, NGROK_AUTHTOKEN: '' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const printed = { requests: 0, dropped: 0, droppedLines: 0 };
  let ready: ((line: { localUrl: string; uiUrl: string }) => void) | null = null;
  const readyLine = new Promise<{ localUrl: string; uiUrl: string }>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) =>
      reject(new Error(`the headless process exited with ${code} before it was ready`)),
    );
  });
  let partial = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{"event":"request"')) printed.requests++;
      else if (line.startsWith('{"event":"dropped"')) {
        printed.droppedLines++;
        printed.dropped += (JSON.parse(line) as { requests: number }).requests;
      } else if (line.startsWith('{"event":"ready"')) ready?.(JSON.parse(line));
    }
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGINT');
    const kill = setTimeout(() => child.kill('SIGKILL'), 6000);
    await exited;
    clearTimeout(kill);
  };
  return { child, ready: await readyLine, printed, stop };
}

/** A window that reads its event stream for READ_MILLIS every PAUSE_MILLIS, reconnecting when ended. */
function slowReader(uiUrl: string) {
  const url = new URL(uiUrl);
  const token = url.searchParams.get('token') ?? '';
  const stats = {
    bytes: 0,
    connections: 0,
    gaps: 0,
    skipped: 0,
    streamEnds: 0,
    logEvents: 0,
    reloadedBytes: 0,
  };
  // As the page does after a gap: reload the log.
  const reloadLog = () =>
    fetch(`http://127.0.0.1:${url.port}/control/log`, { headers: { authorization: `Bearer ${token}` } })
      .then((response) => response.arrayBuffer())
      .then(
        (body) => {
          stats.reloadedBytes += body.byteLength;
        },
        () => undefined,
      );
  let current: IncomingMessage | null = null;
  let stopped = false;
  let text = '';

  const onFrame = (frame: string) => {
    if (frame.startsWith('data: {"type":"log"')) stats.logEvents++;
    else if (frame.startsWith('data: {"type":"log-gap"')) {
      stats.gaps++;
      stats.skipped += (JSON.parse(frame.slice(6)) as { skipped: number }).skipped;
      void reloadLog();
    } else if (frame.startsWith('data: {"type":"stream-end"')) stats.streamEnds++;
  };
  const connect = () => {
    if (stopped) return;
    stats.connections++;
    text = '';
    const req = request(
      {
        host: '127.0.0.1',
        port: Number(url.port),
        path: `/control/events?token=${encodeURIComponent(token)}`,
      },
      (res) => {
        current = res;
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          stats.bytes += Buffer.byteLength(chunk);
          text += chunk;
          let end = text.indexOf('\n\n');
          while (end >= 0) {
            onFrame(text.slice(0, end));
            text = text.slice(end + 2);
            end = text.indexOf('\n\n');
          }
        });
        res.once('close', () => {
          current = null;
          setTimeout(connect, 200);
        });
      },
    );
    req.on('error', () => undefined);
    req.end();
  };
  connect();
  let pauseTimer: NodeJS.Timeout | undefined;
  const cycle = setInterval(() => {
    current?.resume();
    pauseTimer = setTimeout(() => current?.pause(), READ_MILLIS);
  }, PAUSE_MILLIS);
  // Start paused: the first read is a cycle away.
  setTimeout(() => current?.pause(), READ_MILLIS);
  return {
    stats,
    stop: () => {
      stopped = true;
      clearInterval(cycle);
      clearTimeout(pauseTimer);
      current?.destroy();
    },
  };
}

async function main(): Promise<void> {
  const durationSeconds = seconds();
  const dir = await mkdtemp(join(tmpdir(), 'mirror-soak-'));
  const app = await startHeadless(dir);
  const pid = app.child.pid ?? 0;
  const reader = slowReader(app.ready.uiUrl);
  let peak = 0;
  /** RSS every 10 s, to tell a plateau from a leak. */
  const timeline: number[] = [];
  let ticks = 0;
  const sampler = setInterval(() => {
    const tick = ++ticks;
    void rssBytes(pid).then((rss) => {
      peak = Math.max(peak, rss);
      if (tick % 10 === 0) timeline.push(rss);
    });
  }, 1000);
  try {
    const rssStart = await rssBytes(pid);
    peak = rssStart;
    const base = app.ready.localUrl;
    const port = Number(new URL(base).port);
    const metricField = await firstMetric(app.ready.uiUrl);
    const requests = requestMix(metricField);
    console.log(
      `soak: ${durationSeconds} s of mixed traffic (${requests.length} bodies over the 4 operations) against the ` +
        `headless process (pid ${pid}), ${loadTool(CONNECTIONS)}, ` +
        `a slow event-stream reader (reads ${READ_MILLIS} ms every ${PAUSE_MILLIS} ms)…`,
    );
    const load = await externalLoad(port, requests, {
      connections: CONNECTIONS,
      seconds: durationSeconds,
      dir,
    });
    const rssEnd = await rssBytes(pid);
    peak = Math.max(peak, rssEnd);
    // Let the reader and stdout catch up, so the counts below are complete.
    await new Promise((resolve) => setTimeout(resolve, PAUSE_MILLIS + 500));
    const { stats } = reader;
    const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
    const lines = [
      `load           ${loadTool(CONNECTIONS)}`,
      `throughput     ${Math.round(load.requestsPerSecond)} req/s (${load.requests} requests, ${load.errors} errors)`,
      `latency        p50 ${load.p50Millis.toFixed(2)} ms, p99 ${load.p99Millis.toFixed(2)} ms`,
      `RSS            start ${mib(rssStart)}, peak ${mib(peak)}, end ${mib(rssEnd)} (growth ${mib(rssEnd - rssStart)})`,
      `RSS every 10 s ${timeline.map((rss) => (rss / 1024 / 1024).toFixed(0)).join(', ')} MiB`,
      `event stream   ${mib(stats.bytes)} read in ${stats.logEvents} log events over ${stats.connections} connection(s); ` +
        `${stats.gaps} gaps (${stats.skipped} requests skipped, the log reloaded: ${mib(stats.reloadedBytes)}), ` +
        `${stats.streamEnds} stream ends`,
      `stdout         ${app.printed.requests} request lines, ${app.printed.dropped} dropped (${app.printed.droppedLines} dropped lines)`,
    ];
    console.log(lines.map((line) => `  ${line}`).join('\n'));

    console.log(`soak: ${NON_READERS} clients that ask for a day of points and never read…`);
    const stalled = await nonReaderPhase(port, metricField, () => rssBytes(pid), {
      clients: NON_READERS,
      holdMillis: 10_000,
    });
    console.log(
      `  non-readers    ${stalled.clients} clients: RSS ${mib(stalled.rssBefore)} before, ceiling ${mib(stalled.rssPeak)} ` +
        `(+${mib(stalled.rssPeak - stalled.rssBefore)}), ${mib(stalled.rssAfter)} after they left`,
    );
  } finally {
    clearInterval(sampler);
    reader.stop();
    await app.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
