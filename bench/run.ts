// `npm run bench`: the mirror's figures, each measured in this run against a baseline measured in
// the same run (these machines are noisy, absolute numbers mean little). Prints a table; exits 0.
//   a. throughput and p99 latency of Test Connection and of a day of metrics per minute, against a
//      bare fastify route answering a body of the same size;
//   b. one aggregated query of 500 buckets over 1 hour, 1 day and 30 days: 30 d against 1 h;
//   c. resident memory of a headless mirror before and after 100,000 requests.

import type { Agent } from 'node:http';
import os from 'node:os';
import { createTelemetrySource } from '../server/telemetry';
import {
  type BenchRequest,
  drive,
  keepAliveAgent,
  median,
  post,
  runCount,
  type Slice,
  summarize,
} from './load';
import { startServerProcess } from './processes';
import { fixed, formatTable, megabytes, millis, type Row } from './report';

const CONCURRENCY = 16;
const WARM_UP_MILLIS = 1000;
/** Each server is measured for TURNS × TURN_MILLIS (3 s), in turns with the others. */
const TURNS = 12;
const TURN_MILLIS = 250;
const QUERY_RUNS = 31;
const MEMORY_REQUESTS = 100_000;
const MEMORY_WARM_UP_REQUESTS = 2000;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// A fixed "now", rounded to the minute, so every request of a kind gets the same answer.
const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const catalog = createTelemetrySource({ kind: 'demo' }).catalog();
const metricField = catalog.metrics[0] ?? 'cpu.usage';
const [dimension = 'host', values = []] = Object.entries(catalog.dimensions)[0] ?? [];
const oneSeries = [
  { _type: 'EqualityCondition', key: dimension, value: { _type: 'StringValue', value: values[0] ?? '' } },
];

const json = (path: string, body: unknown): BenchRequest => ({ path, body: JSON.stringify(body) });

const metricRequest = (windowMillis: number, bucketSizeMillis: number) =>
  json('/api/metric', {
    _type: 'MetricsRequest',
    connectionDetails: {},
    query: {
      _type: 'MetricsQuery',
      conditions: oneSeries,
      metricField,
      startTime: NOW - windowMillis,
      endTime: NOW,
      aggregation: { _type: 'Aggregation', method: 'MEAN', bucketSizeMillis },
    },
  });

const CONNECTION = json('/api/connection', { _type: 'TestConnectionRequest', connectionDetails: {} });
const DAY_OF_MINUTES = metricRequest(DAY, 60_000);

function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

// ---------- a. throughput against a bare fastify route ----------

type ServerName = 'baseline' | 'mirror' | 'mirror-fixed';

async function throughput(): Promise<Row[]> {
  const servers = {
    baseline: await startServerProcess('baseline'),
    mirror: await startServerProcess('mirror'),
    'mirror-fixed': await startServerProcess('mirror-fixed'),
  };
  const agents = new Map(
    Object.keys(servers).map((name) => [name as ServerName, keepAliveAgent(CONCURRENCY)]),
  );
  try {
    // The baseline (and the fixed-answer mirror) answer exactly what the demo mirror answers.
    const agent = keepAliveAgent(1);
    const bodies = {
      [CONNECTION.path]: await post(servers.mirror.port, agent, CONNECTION),
      [DAY_OF_MINUTES.path]: await post(servers.mirror.port, agent, DAY_OF_MINUTES),
    };
    agent.destroy();
    await servers.baseline.ask({ type: 'bodies', bodies }, 'ready');
    await servers['mirror-fixed'].ask({ type: 'bodies', bodies }, 'ready');
    const metricBytes = fixed(Buffer.byteLength(bodies[DAY_OF_MINUTES.path] ?? ''));

    const cases: Array<{ request: BenchRequest; contenders: Array<[ServerName, string]> }> = [
      { request: CONNECTION, contenders: [['mirror', 'POST /api/connection']] },
      {
        request: DAY_OF_MINUTES,
        contenders: [
          ['mirror', `POST /api/metric 24 h/60 s MEAN, demo source (${metricBytes} B)`],
          ['mirror-fixed', 'POST /api/metric, same answer from a fixed source (HTTP layer only)'],
        ],
      },
    ];
    const rows: Row[] = [];
    for (const { request, contenders } of cases) {
      const names: ServerName[] = ['baseline', ...contenders.map(([name]) => name)];
      const load = (name: ServerName, durationMillis: number) =>
        drive(servers[name].port, agents.get(name) as Agent, [request], {
          concurrency: CONCURRENCY,
          durationMillis,
        });
      for (const name of names) await load(name, WARM_UP_MILLIS);
      // Short turns, many times: a noisy moment on this machine then hurts every server alike.
      const slices = new Map<ServerName, Slice[]>(names.map((name) => [name, []]));
      for (let turn = 0; turn < TURNS; turn++) {
        for (const name of names) slices.get(name)?.push(await load(name, TURN_MILLIS));
      }
      const results = new Map(names.map((name) => [name, summarize(slices.get(name) ?? [])]));
      for (const [name, result] of results) {
        log(
          `  ${request.path} ${name}: ${fixed(result.requestsPerSecond)} req/s, p50 ${millis(result.p50Millis)}, p99 ${millis(result.p99Millis)}`,
        );
      }
      const base = results.get('baseline');
      for (const [name, label] of contenders) {
        const mine = results.get(name);
        if (!base || !mine) throw new Error('no throughput measured');
        rows.push(
          {
            figure: `a. ${label}: req/s`,
            measured: fixed(mine.requestsPerSecond),
            baseline: fixed(base.requestsPerSecond),
            value: mine.requestsPerSecond / base.requestsPerSecond,
            target: { kind: 'atLeast', limit: 0.8 },
          },
          {
            figure: `a. ${label}: p99`,
            measured: millis(mine.p99Millis),
            baseline: millis(base.p99Millis),
            value: base.p99Millis / mine.p99Millis,
            target: { kind: 'atLeast', limit: 0.8 },
          },
        );
      }
    }
    return rows;
  } finally {
    for (const agent of agents.values()) agent.destroy();
    await Promise.all(Object.values(servers).map((server) => server.stop()));
  }
}

// ---------- b. cost against the width of the window ----------

async function windowScaling(): Promise<Row[]> {
  const mirror = await startServerProcess('mirror');
  const agent = keepAliveAgent(1);
  try {
    const windows = [
      ['1 h', HOUR],
      ['1 d', DAY],
      ['30 d', 30 * DAY],
    ] as const;
    const requests = windows.map(([, width]) => metricRequest(width, width / 500));
    const samples: number[][] = windows.map(() => []);
    for (const request of requests) {
      const points = (
        JSON.parse(await post(mirror.port, agent, request)) as { telemetry: { points: unknown[] } }
      ).telemetry.points.length;
      if (points !== 500) throw new Error(`expected 500 buckets, got ${points}`);
    }
    // Interleaved, so that drift in the machine's speed affects every window alike.
    for (let run = 0; run < QUERY_RUNS + 5; run++) {
      for (const [index, request] of requests.entries()) {
        const started = performance.now();
        await post(mirror.port, agent, request);
        if (run >= 5) samples[index]?.push(performance.now() - started);
      }
    }
    const medians = samples.map(median);
    for (const [index, [label]] of windows.entries()) {
      log(`  500 buckets over ${label}: median ${millis(medians[index] ?? Number.NaN)}`);
    }
    const [hour = Number.NaN, day = Number.NaN, month = Number.NaN] = medians;
    return [
      {
        figure: 'b. 500-bucket /api/metric, 30 d vs 1 h (median)',
        measured: `30 d ${millis(month)}`,
        baseline: `1 h ${millis(hour)} (1 d ${millis(day)})`,
        value: month / hour,
        target: { kind: 'atMost', limit: 1.5 },
      },
    ];
  } finally {
    agent.destroy();
    await mirror.stop();
  }
}

// ---------- c. memory over many requests ----------

async function memoryGrowth(): Promise<Row[]> {
  const mirror = await startServerProcess('mirror');
  try {
    const mix = [
      CONNECTION,
      json('/api/field/name', {
        connectionDetails: {},
        query: { conditions: [], startTime: NOW - DAY, endTime: NOW },
      }),
      json('/api/field/value', {
        connectionDetails: {},
        query: {
          conditions: [],
          field: { fieldName: dimension },
          fieldValuePrefix: '',
          startTime: NOW - DAY,
          endTime: NOW,
        },
      }),
      metricRequest(HOUR, 60_000),
    ];
    const atStart = (await mirror.ask({ type: 'rss' }, 'rss')).rssBytes;
    await runCount(mirror.port, mix, { concurrency: CONCURRENCY, count: MEMORY_WARM_UP_REQUESTS });
    const before = (await mirror.ask({ type: 'rss' }, 'rss')).rssBytes;
    const started = performance.now();
    await runCount(mirror.port, mix, { concurrency: CONCURRENCY, count: MEMORY_REQUESTS });
    const seconds = (performance.now() - started) / 1000;
    const after = (await mirror.ask({ type: 'rss' }, 'rss')).rssBytes;
    const { count } = await mirror.ask({ type: 'exchanges' }, 'exchanges');
    log(
      `  RSS at start ${megabytes(atStart)}, after ${fixed(MEMORY_WARM_UP_REQUESTS)} warm-up requests ${megabytes(before)}, ` +
        `after ${fixed(MEMORY_REQUESTS)} more ${megabytes(after)} (${fixed(MEMORY_REQUESTS / seconds)} req/s, ${fixed(count)} exchanges reported)`,
    );
    return [
      {
        figure: `c. RSS growth over ${fixed(MEMORY_REQUESTS)} requests (after warm-up)`,
        measured: `after ${megabytes(after)}`,
        baseline: `before ${megabytes(before)}`,
        value: (after - before) / 1024 / 1024,
        target: { kind: 'below', limit: 20, unit: ' MB' },
      },
    ];
  } finally {
    await mirror.stop();
  }
}

log(
  `StackState mirror benchmark: node ${process.version}, ${os.cpus().length} CPUs, ${os.platform()} ${os.arch()}`,
);
log(
  `a. throughput (${CONCURRENCY} in flight, ${WARM_UP_MILLIS / 1000} s warm-up, then ${TURNS} turns of ${TURN_MILLIS} ms each)`,
);
const rows = [...(await throughput())];
log(`b. window scaling (median of ${QUERY_RUNS} runs, one request at a time)`);
rows.push(...(await windowScaling()));
log(`c. memory (${fixed(MEMORY_REQUESTS)} requests, ${CONCURRENCY} in flight)`);
rows.push(...(await memoryGrowth()));

process.stdout.write(`\n${formatTable(rows)}\n`);
process.stdout.write(
  [
    '',
    'Value: req/s mirror/baseline and p99 baseline/mirror (higher is better for both); window 30 d/1 h; memory in MB.',
    'Baseline for a.: a bare fastify route in a process of its own answering the same JSON (serialised per request).',
    'The fixed-source row isolates the mirror (parsing, validation, hooks) from the demo source computing the answer.',
    '',
  ].join('\n'),
);
