// `npm run bench`: the mirror's figures, each measured in this run against a baseline measured in the
// same run (these machines are noisy, absolute numbers mean little). The server under test is the
// real headless mode as users run it (its bundle; demo source, request log on, a --json line per request
// on stdout) in a process of its own; the load comes from wrk (or a Node load generator in its own process). Prints a table.
//   a. /api/connection: req/s against a minimal fastify app with the same route;
//   b. the 24 h, 1-minute MEAN query (1,440 points): req/s against a bare node:http server sending
//      the same bytes; the answer checked against the demo source's own. Twice: the same query
//      again and again (a repeat is served from the answers kept, answer-cache.ts), and the query
//      over 1,000 windows in turn, each 10 s apart, more than the answers kept (each one computed
//      and serialised: the cost of a query the mirror has not answered before);
//   c. one 500-bucket query over 30 days against 1 hour (one connection: the cost of one query;
//      the window moves 10 s each request, so nothing repeats);
//   d. resident memory growth over 100,000 mixed requests, after a warm-up and a full GC;
//   e. CPU of the idle process while a window's event stream is open;
//   f. `npm run headless` as a user starts it: time to ready and idle RSS, against a bare Node
//      process (bench/headless-start.ts);
//   p. the prometheus source against a real Prometheus's own PromQL, same exact answer (prometheus.ts).
// Options: --turns N (interleaved turns per throughput figure, default 4), --profile DIR (also
// write CPU profiles of the headless process under the load of a. and of b. into DIR; read them with
// `npx tsx bench/profile-top.ts DIR/connection.cpuprofile`), --profile-only (only the profiles), --only ab
// (only the figures named, of a–f and p; a and b are measured together).
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { compileBodyValidator } from '../server/mirror/errors';
import { MetricsRequest } from '../server/protocol/messages';
import { NATIVE_STEP_MILLIS } from '../server/telemetry/grid';
import { externalLoad, type LoadFigures, loadTool } from './external-load';
import { headlessStartRows } from './headless-start';
import { idleCpu } from './idle-cpu';
import { type BenchRequest, keepAliveAgent, post } from './load';
import { MEMORY_REQUESTS, memoryGrowth } from './memory-growth';
import { cpuMillis, type ServerProcess, startServerProcess } from './processes';
import { prometheusRows } from './prometheus';
import { fixed, formatTable, millis, type Row } from './report';
import {
  CONNECTION,
  DAY,
  DAY_OF_MINUTES,
  DAYS_OF_MINUTES,
  demo,
  HOUR,
  MOVING_WINDOWS,
  metricRequest,
  movingWindows,
} from './requests';

const { values: flags } = parseArgs({
  options: {
    turns: { type: 'string', default: '4' },
    profile: { type: 'string' },
    'profile-only': { type: 'boolean', default: false },
    only: { type: 'string', default: 'abcdefp' },
  },
});
const TURNS = Math.max(1, Number(flags.turns));
const CONNECTIONS = 16;
const TURN_SECONDS = 2;
const WARM_UP_SECONDS = 3;

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

const range = (numbers: readonly number[], digits = 2) =>
  numbers.length === 0
    ? '–'
    : `${Math.min(...numbers).toFixed(digits)}–${Math.max(...numbers).toFixed(digits)}`;

/**
 * The mirror against its baseline, in interleaved turns (a noisy moment on this shared machine then
 * hurts both alike). The ratio is of the summed request counts over equal times; the range is per turn.
 */
async function ratioOf(
  label: string,
  mirror: ServerProcess,
  baseline: ServerProcess,
  requests: readonly BenchRequest[],
  dir: string,
  connections = CONNECTIONS,
): Promise<{
  mirror: LoadFigures[];
  baseline: LoadFigures[];
  ratio: number;
  perTurn: number[];
  cpuPerRequest: { mirror: number; baseline: number };
}> {
  const load = (server: ServerProcess, seconds: number) =>
    externalLoad(server.port, requests, { connections, seconds, dir });
  await load(baseline, WARM_UP_SECONDS);
  await load(mirror, WARM_UP_SECONDS);
  const turns = { mirror: [] as LoadFigures[], baseline: [] as LoadFigures[] };
  const cpu = { mirror: 0, baseline: 0 };
  for (let turn = 0; turn < TURNS; turn++) {
    // Alternate who goes first, so neither always follows the other's garbage collection.
    const order = turn % 2 === 0 ? (['baseline', 'mirror'] as const) : (['mirror', 'baseline'] as const);
    for (const name of order) {
      const server = name === 'mirror' ? mirror : baseline;
      const cpuBefore = await cpuMillis(server.pid);
      turns[name].push(await load(server, TURN_SECONDS));
      cpu[name] += (await cpuMillis(server.pid)) - cpuBefore;
    }
  }
  const sum = (figures: LoadFigures[]) => figures.reduce((total, f) => total + f.requests, 0);
  const errors = [...turns.mirror, ...turns.baseline].reduce((total, f) => total + f.errors, 0);
  if (errors > 0) throw new Error(`${label}: ${errors} requests failed under load`);
  const perTurn = turns.mirror.map(
    (m, i) => m.requestsPerSecond / (turns.baseline[i]?.requestsPerSecond ?? 1),
  );
  const rps = (figures: LoadFigures[]) => figures.map((f) => fixed(f.requestsPerSecond)).join(', ');
  // CPU time per request: less sensitive than req/s to what else this shared machine runs.
  const cpuPerRequest = {
    mirror: (cpu.mirror * 1000) / sum(turns.mirror),
    baseline: (cpu.baseline * 1000) / sum(turns.baseline),
  };
  log(
    `  ${label}: mirror ${rps(turns.mirror)} req/s, ${cpuPerRequest.mirror.toFixed(0)} µs CPU a request; ` +
      `baseline ${rps(turns.baseline)} req/s, ${cpuPerRequest.baseline.toFixed(0)} µs CPU a request`,
  );
  return { ...turns, ratio: sum(turns.mirror) / sum(turns.baseline), perTurn, cpuPerRequest };
}

/**
 * One request on a connection of its own, closed after: a kept-alive connection left open would keep
 * the mirror checking its time-outs every second (request-timeouts.ts) into the idle figure.
 */
async function postOnce(port: number, request: BenchRequest): Promise<string> {
  const agent = keepAliveAgent(1);
  try {
    return await post(port, agent, request);
  } finally {
    agent.destroy();
  }
}

const meanRps = (figures: LoadFigures[]) =>
  figures.reduce((total, f) => total + f.requestsPerSecond, 0) / figures.length;
const maxP99 = (figures: LoadFigures[]) =>
  Math.max(...figures.map((f) => f.p99Millis).filter(Number.isFinite));

type Ratio = Awaited<ReturnType<typeof ratioOf>>;

/** A row of requests a second, mirror against baseline over the same turns. */
const rateRow = (figure: string, ratio: Ratio, atLeast: number): Row => ({
  figure,
  measured: `${fixed(meanRps(ratio.mirror))} req/s, p99 ${millis(maxP99(ratio.mirror))}`,
  baseline: `${fixed(meanRps(ratio.baseline))} req/s, p99 ${millis(maxP99(ratio.baseline))}`,
  value: ratio.ratio,
  spread: range(ratio.perTurn),
  target: { kind: 'atLeast', limit: atLeast },
});

/** A row of CPU time a request, baseline over mirror (less sensitive to the machine's other load). */
const cpuRow = (figure: string, ratio: Ratio, atLeast: number): Row => ({
  figure,
  measured: `${ratio.cpuPerRequest.mirror.toFixed(0)} µs`,
  baseline: `${ratio.cpuPerRequest.baseline.toFixed(0)} µs`,
  value: ratio.cpuPerRequest.baseline / ratio.cpuPerRequest.mirror,
  target: { kind: 'atLeast', limit: atLeast },
});

// ---------- a. and b.: throughput against minimal servers ----------

async function throughput(dir: string, headless: ServerProcess): Promise<Row[]> {
  const fastify = await startServerProcess('fastify');
  const bare = await startServerProcess('bare');
  try {
    const answer = await postOnce(headless.port, DAY_OF_MINUTES);
    const connectionAnswer = await postOnce(headless.port, CONNECTION);
    const fastifyAnswer = await postOnce(fastify.port, CONNECTION);
    if (fastifyAnswer !== connectionAnswer)
      throw new Error(`the baseline answers ${fastifyAnswer}, the mirror ${connectionAnswer}`);
    const exact = await isExact(answer);
    await bare.ask({ type: 'bodies', bodies: { [DAY_OF_MINUTES.path]: answer } }, 'ready');

    const a = await ratioOf('a. /api/connection', headless, fastify, [CONNECTION], dir);
    const b = await ratioOf('b. 1,440-point /api/metric', headless, bare, [DAY_OF_MINUTES], dir);
    // The bare server answers every window with the first one's bytes: the same size, the same work.
    const moving = await ratioOf('b. over moving windows', headless, bare, DAYS_OF_MINUTES, dir);
    // Still the same answers after the load (the source is deterministic, the cache must not change them).
    const after = await postOnce(headless.port, DAY_OF_MINUTES);
    const lastWindow = DAYS_OF_MINUTES[MOVING_WINDOWS - 1] ?? DAY_OF_MINUTES;
    const stillExact =
      after === answer && (await isExact(await postOnce(headless.port, lastWindow), lastWindow));
    const points = (JSON.parse(answer) as { telemetry: { points: unknown[] } }).telemetry.points.length;
    return [
      rateRow('a. POST /api/connection vs minimal fastify app', a, 0.6),
      rateRow(
        `b. ${points}-point 24 h MEAN /api/metric (${fixed(Buffer.byteLength(answer))} B) vs bare server, same bytes; the query repeated`,
        b,
        0.15,
      ),
      rateRow(
        `b. same, over ${fixed(MOVING_WINDOWS)} windows 10 s apart (each answer computed and serialised)`,
        moving,
        0.15,
      ),
      cpuRow('a. same, CPU time a request (baseline / mirror)', a, 0.6),
      cpuRow('b. same, CPU time a request (baseline / mirror); the query repeated', b, 0.15),
      cpuRow('b. same, CPU time a request (baseline / mirror); moving windows', moving, 0.15),
      {
        figure: 'b. the answers equal the demo source’s own (before and after the load)',
        measured: exact && stillExact ? 'equal' : 'DIFFERENT',
        baseline: 'source.metrics()',
        value: exact && stillExact ? 1 : 0,
        target: { kind: 'atLeast', limit: 1 },
      },
    ];
  } finally {
    await Promise.all([fastify.stop(), bare.stop()]);
  }
}

/** The mirror's answer is the demo source's answer for the same query (read as the mirror reads it), value for value. */
async function isExact(answerText: string, asked: BenchRequest = DAY_OF_MINUTES): Promise<boolean> {
  const read = compileBodyValidator(MetricsRequest)(JSON.parse(asked.body));
  if (!('value' in read)) throw new Error('the bench sends an invalid metric request');
  const expected = await demo.metrics((read.value as MetricsRequest).query, {
    connectionDetails: {},
    note: () => undefined,
    signal: new AbortController().signal,
  });
  return isDeepStrictEqual(JSON.parse(answerText), expected);
}

// ---------- c. cost against the width of the window ----------

async function windowScaling(dir: string, headless: ServerProcess): Promise<Row[]> {
  const agent = keepAliveAgent(1);
  const hour = metricRequest(HOUR, HOUR / 500);
  const month = metricRequest(30 * DAY, (30 * DAY) / 500);
  // 500 buckets of 7.2 s over an hour hold at most one 10 s sample each: the hour answers one point
  // a sample (360), the month all 500 buckets.
  for (const [one, expected] of [
    [hour, Math.min(500, HOUR / NATIVE_STEP_MILLIS)],
    [month, 500],
  ] as const) {
    const points = (JSON.parse(await post(headless.port, agent, one)) as { telemetry: { points: unknown[] } })
      .telemetry.points.length;
    if (points !== expected) throw new Error(`expected ${expected} points, got ${points}`);
  }
  agent.destroy();
  // One connection: the rate is the inverse of one query's time, the 1 h query its baseline. The
  // windows move, so each query is computed (a repeat would be served from the answers kept).
  const hours = movingWindows(HOUR, HOUR / 500);
  const months = movingWindows(30 * DAY, (30 * DAY) / 500);
  const hourRuns: LoadFigures[] = [];
  const monthRuns: LoadFigures[] = [];
  for (let turn = 0; turn < TURNS; turn++) {
    hourRuns.push(await externalLoad(headless.port, hours, { connections: 1, seconds: TURN_SECONDS, dir }));
    monthRuns.push(await externalLoad(headless.port, months, { connections: 1, seconds: TURN_SECONDS, dir }));
  }
  const perTurn = hourRuns.map((h, i) => h.requestsPerSecond / (monthRuns[i]?.requestsPerSecond ?? 1));
  const timeOf = (runs: LoadFigures[]) => 1000 / meanRps(runs);
  log(`  500 buckets: 1 h ${millis(timeOf(hourRuns))} a query, 30 d ${millis(timeOf(monthRuns))}`);
  return [
    {
      figure: 'c. 500-bucket /api/metric, 30 d vs 1 h (time per query)',
      measured: `30 d ${millis(timeOf(monthRuns))}`,
      baseline: `1 h ${millis(timeOf(hourRuns))}`,
      value: timeOf(monthRuns) / timeOf(hourRuns),
      spread: range(perTurn),
      target: { kind: 'atMost', limit: 1.5 },
    },
  ];
}

// ---------- a CPU profile under load, on request ----------

async function profile(profileDir: string, dir: string): Promise<void> {
  await mkdir(profileDir, { recursive: true });
  const headless = await startServerProcess('headless');
  try {
    for (const [name, requests] of [
      ['connection', [CONNECTION]],
      ['metric', [DAY_OF_MINUTES]],
      ['metric-moving', DAYS_OF_MINUTES],
    ] as const) {
      // Warm (the JIT has compiled the path), then profile the steady state only.
      await externalLoad(headless.port, requests, { connections: CONNECTIONS, seconds: 4, dir });
      await headless.ask({ type: 'profile', action: 'start' }, 'profiled');
      const load = await externalLoad(headless.port, requests, {
        connections: CONNECTIONS,
        seconds: 6,
        dir,
      });
      await headless.ask(
        { type: 'profile', action: 'stop', path: join(profileDir, `${name}.cpuprofile`) },
        'profiled',
      );
      log(`  ${name}: ${fixed(load.requestsPerSecond)} req/s while profiled`);
    }
  } finally {
    await headless.stop();
  }
  log(
    `  CPU profiles of 6 s of /api/connection and of the 1,440-point query, repeated and over moving windows (after 4 s of warm-up each), in ${profileDir}`,
  );
}

/** The headless bundle up to date with the sources (the bench measures what `npm run headless` runs). */
function buildHeadless(): void {
  const build = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('../scripts/build.mjs', import.meta.url)), '--headless'],
    {
      stdio: 'inherit',
    },
  );
  if (build.status !== 0)
    throw new Error('the headless bundle did not build (node scripts/build.mjs --headless)');
}

async function main(): Promise<void> {
  buildHeadless();
  const dir = await mkdtemp(join(tmpdir(), 'mirror-bench-'));
  log(
    `StackState mirror benchmark: node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()} ${os.arch()}; ` +
      `load: ${loadTool(CONNECTIONS)}; ${TURNS} interleaved turns of ${TURN_SECONDS} s after ${WARM_UP_SECONDS} s of warm-up`,
  );
  const rows: Row[] = [];
  try {
    if (flags.profile) await profile(flags.profile, dir);
    if (flags['profile-only']) return;
    if (flags.only.includes('f')) {
      log('f. headless start (npm run headless against a bare Node process)');
      rows.push(...(await headlessStartRows(3, log)));
    }
    const only = (letters: string) => [...letters].some((letter) => flags.only.includes(letter));
    if (only('abcde')) rows.push(...(await serverFigures(dir, only)));
    if (only('p')) {
      log('p. Prometheus');
      rows.push(...(await prometheusRows()));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  process.stdout.write(`\n${formatTable(rows)}\n`);
  process.stdout.write(
    [
      '',
      'Value: a./b. req/s mirror/baseline over the same turns (Spread: per turn); c. time 30 d/1 h; d. MB; e. % of one core; f. MB and s (median of 3 turns); p. time mirror/Prometheus (median of the turns).',
      'The mirror is the headless mode (request log on, a JSON line per request on stdout) in its own process.',
      'a. baseline: a minimal fastify app, same route and answer; b. baseline: a bare node:http server sending the same bytes.',
      '',
    ].join('\n'),
  );
}

/** a.–e.: the headless mode under load, in a process of its own. */
async function serverFigures(dir: string, only: (letters: string) => boolean): Promise<Row[]> {
  const rows: Row[] = [];
  const headless = await startServerProcess('headless');
  try {
    if (only('ab')) {
      log('a./b. throughput');
      rows.push(...(await throughput(dir, headless)));
    }
    if (only('c')) {
      log('c. window scaling');
      rows.push(...(await windowScaling(dir, headless)));
    }
    if (only('e')) {
      log('e. idle CPU');
      rows.push(...(await idleCpu(headless, log)));
    }
    if (only('d')) {
      log(`d. memory (${fixed(MEMORY_REQUESTS)} requests twice, ${CONNECTIONS} connections)`);
      rows.push(...(await memoryGrowth(dir, headless, log)));
    }
    log(`  the headless process printed ${fixed(headless.linesPrinted)} lines`);
  } finally {
    await headless.stop();
  }
  return rows;
}

await main();
