// A real Prometheus for the prometheus source's tests: Debian's /usr/bin/prometheus on a free
// loopback port, its own tmp storage, a 1 s scrape of itself and of a small exporter started here
// on 127.0.0.1 whose gauges and counters have known values. `stop()` kills what was started.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AggregationMethod } from '../../server/protocol/messages';
import { PERCENTILES } from '../../server/telemetry/aggregate';

export const PROMETHEUS_BINARY = process.env.PROMETHEUS_BINARY ?? '/usr/bin/prometheus';

/** Why the tests cannot run here, or null. */
export const prometheusMissing = (): string | null =>
  existsSync(PROMETHEUS_BINARY) ? null : `${PROMETHEUS_BINARY} is not installed (apt-get install prometheus)`;

/** Label values that would break a naively built selector; the exporter serves one series each. */
export const TRICKY_VALUES = ['a"b', 'back\\slash', '{brace}', 'x.y', 'xzy', 'a|b', '.*', 'tab\tin'];

/** The counter's step per scrape, and how many scrapes before it resets. */
export const COUNTER_STEP = 7;
export const COUNTER_RESET_EVERY = 5;

/** What the exporter serves at its n-th scrape (n from 1). */
export function exposition(n: number): string {
  const lines = [
    '# HELP fixture_temperature A gauge with three series.',
    '# TYPE fixture_temperature gauge',
    `fixture_temperature{room="kitchen"} ${20 + (n % 4)}`,
    `fixture_temperature{room="hall"} ${10 + ((n * 3) % 7)}`,
    `fixture_temperature{room="cellar"} ${-5 + (n % 3) * 0.5}`,
    '# HELP fixture_jobs_total A counter that resets.',
    '# TYPE fixture_jobs_total counter',
    `fixture_jobs_total{queue="main"} ${COUNTER_STEP * ((n % COUNTER_RESET_EVERY) + 1)}`,
    '# HELP fixture_events A counter by its metadata, without the _total suffix.',
    '# TYPE fixture_events counter',
    `fixture_events ${3 * n}`,
    `fixture_untyped_total ${2 * n}`,
    '# TYPE fixture_zeros gauge',
    `fixture_zeros ${n % 2 === 0 ? 0 : 5}`,
    '# TYPE fixture_tricky gauge',
    ...TRICKY_VALUES.map((value, i) => `fixture_tricky{name="${escapeLabel(value)}"} ${i + 1}`),
  ];
  // A series with a gap: present for three scrapes, absent for three.
  if (n % 6 < 3) lines.push('# TYPE fixture_gappy gauge', `fixture_gappy ${n}`);
  return `${lines.join('\n')}\n`;
}

const escapeLabel = (value: string) =>
  value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

export interface PrometheusFixture {
  url: string;
  /** Milliseconds since the epoch of the first sample the fixture waited for. */
  startedAt: number;
  /** GET /api/v1/<path>: Prometheus's `data`, for the tests' own answers. */
  api(path: string, params: Record<string, string>): Promise<unknown>;
  /** Stops Prometheus (the exporter keeps running); idempotent. */
  stopPrometheus(): Promise<void>;
  stop(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Starts the exporter and Prometheus and waits until `minSamples` scrapes of the exporter are
 * queryable. `extra` is more exposition text the exporter serves at every scrape.
 */
export async function startPrometheus(
  minSamples = 8,
  timeoutMillis = 30_000,
  extra = '',
): Promise<PrometheusFixture> {
  let scrapes = 0;
  const exporter = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    scrapes++;
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(exposition(scrapes) + extra);
  });
  const exporterPort = await listen(exporter);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'mirror-prometheus-'));
  const config = [
    'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
    'scrape_configs:',
    `  - { job_name: prometheus, static_configs: [ { targets: ['127.0.0.1:${port}'] } ] }`,
    `  - { job_name: fixture, static_configs: [ { targets: ['127.0.0.1:${exporterPort}'] } ] }`,
  ].join('\n');
  await writeFile(join(dir, 'prometheus.yml'), config);
  const prometheus = spawnPrometheus(dir, join(dir, 'data'), port);
  const { url } = prometheus;
  const log = () => prometheus.log();

  const api = async (path: string, params: Record<string, string>): Promise<unknown> => {
    const response = await fetch(`${url}/api/v1/${path}?${new URLSearchParams(params)}`);
    const body = (await response.json()) as { status: string; data: unknown; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus said ${body.error ?? response.status}`);
    return body.data;
  };
  const stopPrometheus = () => prometheus.stop();
  const stop = async () => {
    await stopPrometheus();
    exporter.closeAllConnections();
    await new Promise((resolve) => exporter.close(resolve));
    await rm(dir, { recursive: true, force: true });
  };

  // Bounded polling: until the exporter's samples are queryable, or a clear failure.
  const deadline = Date.now() + timeoutMillis;
  let startedAt = 0;
  try {
    while (true) {
      if (!prometheus.running()) throw new Error(`prometheus exited early:\n${log()}`);
      if (Date.now() > deadline) {
        throw new Error(
          `prometheus on ${url} did not hold ${minSamples} scrapes of the exporter within ${timeoutMillis / 1000} s (${scrapes} scrapes served):\n${log()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      const data = await api('query', { query: 'fixture_events[5m]' }).catch(() => null);
      const values = (data as { result?: { values: [number, string][] }[] } | null)?.result?.[0]?.values;
      if (values && values.length >= minSamples) {
        startedAt = Math.round(values[0]![0] * 1000);
        break;
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, startedAt, api, stopPrometheus, stop };
}

/** A Prometheus on 127.0.0.1:`port` over `data`, as the fixtures run it; its stderr's tail kept for errors. */
export function spawnPrometheus(
  dir: string,
  data: string,
  port: number,
  extraArgs: string[] = [],
): { url: string; log(): string; running(): boolean; stop(): Promise<void> } {
  const child: ChildProcess = spawn(
    PROMETHEUS_BINARY,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${data}`,
      ...extraArgs,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => {
    running = false;
  });
  return {
    url: `http://127.0.0.1:${port}`,
    log: () => log,
    running: () => running,
    async stop() {
      if (!running) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------- the tests' own answers ----------

const PERCENTILE = PERCENTILES;

/** The method over Prometheus's samples of one bucket, computed here independently. */
export function expectedFrom(samples: number[], method: AggregationMethod): number | undefined {
  const pool = method.endsWith('_NO_ZEROS') ? samples.filter((v) => v !== 0) : samples;
  const sum = pool.reduce((a, b) => a + b, 0);
  if (method === 'SUM') return sum;
  if (method === 'EVENT_COUNT') return pool.length;
  if (pool.length === 0) return undefined;
  if (method === 'SUM_NO_ZEROS') return sum;
  if (method === 'EVENT_COUNT_NO_ZEROS') return pool.length;
  if (method === 'MEAN') return sum / pool.length;
  if (method === 'MAX') return Math.max(...pool);
  if (method === 'MIN') return Math.min(...pool);
  const sorted = [...pool].sort((a, b) => a - b);
  const h = (sorted.length - 1) * PERCENTILE[method]!;
  const lo = Math.floor(h);
  return sorted[lo]! + (h - lo) * (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!);
}

/** Prometheus's own PromQL for the method over one bucket, where PromQL has one. */
export function promqlFor(
  method: AggregationMethod,
  s: string,
  r: string,
  oneSeries: boolean,
): string | null {
  if (method === 'MAX') return `max(max_over_time(${s}${r}))`;
  if (method === 'MIN') return `min(min_over_time(${s}${r}))`;
  if (method === 'SUM') return `sum(sum_over_time(${s}${r}))`;
  if (method === 'EVENT_COUNT') return `sum(count_over_time(${s}${r}))`;
  if (method === 'MEAN') return `sum(sum_over_time(${s}${r})) / sum(count_over_time(${s}${r}))`;
  const p = PERCENTILE[method];
  return p !== undefined && oneSeries ? `quantile_over_time(${p}, ${s}${r})` : null;
}
