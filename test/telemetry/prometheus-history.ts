// A real Prometheus holding days of backfilled history, for the prometheus source's exactness
// tests and the bench: an OpenMetrics file written here, turned into TSDB blocks by Debian's
// `promtool tsdb create-blocks-from openmetrics`, and /usr/bin/prometheus started on those blocks
// on a free loopback port. Backfilled blocks carry no metadata, like many Prometheus-compatible
// backends, so every counter here is known by its name (or by `__counter__`).
//
// The series (15 s "scrapes", each series shifted by its own few seconds and milliseconds, one
// shifted by none so samples sit exactly on bucket edges, one a millisecond before the edges):
// - `hist_load{host,dc,quarter}` gauges with three decimals, zeros now and then; `hist_load5` with the
//   same labels for the first HOSTS_WITH_LOAD5 hosts (two metric names, one labelset);
// - `hist_requests_total{host}` counters that reset every few hours;
// - `hist_bytes_out{host}` a counter without a `_total` name or a type;
// - `hist_latency_seconds` a histogram family (_bucket with `le`, _count, _sum) per host.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, PROMETHEUS_BINARY, spawnPrometheus } from './prometheus-fixture';

export const PROMTOOL_BINARY = process.env.PROMTOOL_BINARY ?? '/usr/bin/promtool';
export const SCRAPE_MILLIS = 15_000;
export const HOSTS_WITH_LOAD5 = 10;
export const COUNTER_HOSTS = 6;
export const HISTOGRAM_HOSTS = 3;
export const LATENCY_BOUNDS = ['0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];

export const historyMissing = (): string | null =>
  !existsSync(PROMETHEUS_BINARY)
    ? `${PROMETHEUS_BINARY} is not installed (apt-get install prometheus)`
    : !existsSync(PROMTOOL_BINARY)
      ? `${PROMTOOL_BINARY} is not installed (it comes with Debian's prometheus package)`
      : null;

export interface HistoryOptions {
  /** How many `hist_load` series. */
  hosts: number;
  hours: number;
}

export interface HistoryFixture {
  url: string;
  /** The first and one past the last millisecond that hold samples. */
  start: number;
  end: number;
  api(path: string, params: Record<string, string>): Promise<unknown>;
  /** Prometheus's own PromQL at each bucket's end − 1 ms, by bucket start (one query_range). */
  promqlByBucket(
    expression: string,
    first: number,
    last: number,
    bucket: number,
  ): Promise<Map<number, number>>;
  /** Every stored sample of `selector` in [s, e), straight from Prometheus, by bucket of `bucket` from s. */
  samplesByBucket(selector: string, s: number, e: number, bucket: number): Promise<Map<number, number[]>>;
  stop(): Promise<void>;
}

/** Equal, or for sums taken in another order, equal up to the last bits. */
export function assertSame(actual: number | undefined, expected: number | undefined, message: string): void {
  if (actual === undefined || expected === undefined || actual === expected) {
    assert.equal(actual, expected, message);
    return;
  }
  const tolerance = 1e-12 * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolerance, `${message}: ${actual} ≠ ${expected}`);
}

/** The tests' own answers, straight from Prometheus. */
function ownAnswers(api: HistoryFixture['api']): Pick<HistoryFixture, 'promqlByBucket' | 'samplesByBucket'> {
  return {
    async promqlByBucket(expression, first, last, bucket) {
      const data = (await api('query_range', {
        query: expression,
        start: ((first + bucket - 1) / 1000).toFixed(3),
        end: ((last + bucket - 1) / 1000).toFixed(3),
        step: (bucket / 1000).toFixed(3),
      })) as { result: { values: [number, string][] }[] };
      assert.ok(data.result.length <= 1, `${expression} gives one series`);
      const values = data.result[0]?.values ?? [];
      return new Map(values.map(([t, v]) => [Math.round(t * 1000) - bucket + 1, Number(v)]));
    },
    async samplesByBucket(selector, s, e, bucket) {
      const data = (await api('query', {
        query: `${selector}[${e - s - 1}ms]`,
        time: ((e - 1) / 1000).toFixed(3),
      })) as { result: { values: [number, string][] }[] };
      const pools = new Map<number, number[]>();
      for (const series of data.result) {
        for (const [t, v] of series.values) {
          const at = s + Math.floor((Math.round(t * 1000) - s) / bucket) * bucket;
          pools.set(at, [...(pools.get(at) ?? []), Number(v)]);
        }
      }
      return pools;
    },
  };
}

/** A deterministic number in [0, 1) for (series, sample). */
function noise(series: number, sample: number): number {
  let h = (series * 0x9e3779b1) ^ (sample * 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39);
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}

const host = (i: number) => `h${String(i).padStart(3, '0')}`;

/** Writes the OpenMetrics text of the history to `path`. */
async function writeHistory(path: string, options: HistoryOptions, start: number): Promise<number> {
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  const samples = Math.floor((options.hours * 3_600_000) / SCRAPE_MILLIS);
  // Series 0 sits on the 15 s grid (so on every minute's edge), series 1 one millisecond before it
  // (on every edge − 1 ms): a bucket that reaches a millisecond too far either way counts one twice.
  const shift = (i: number) => (i === 0 ? 0 : i === 1 ? SCRAPE_MILLIS - 1 : (i * 1237) % SCRAPE_MILLIS);
  const at = (i: number, k: number) => ((start + shift(i) + k * SCRAPE_MILLIS) / 1000).toFixed(3);
  let last = start;
  const series = async (line: string, i: number, value: (k: number) => number) => {
    let chunk = '';
    for (let k = 0; k < samples; k++) {
      chunk += `${line} ${value(k)} ${at(i, k)}\n`;
      if (chunk.length > 64_000) {
        await write(chunk);
        chunk = '';
      }
    }
    last = Math.max(last, start + shift(i) + (samples - 1) * SCRAPE_MILLIS + 1);
    await write(chunk);
  };
  const gauge = (i: number) => (k: number) =>
    noise(i, k) < 0.05 ? 0 : Math.round((1 + Math.sin((k + i * 40) / 90) + 2 * noise(i, k)) * 1000) / 1000;
  await write('# TYPE hist_load gauge\n');
  for (let i = 0; i < options.hosts; i++) {
    await series(`hist_load{host="${host(i)}",dc="${i % 2 ? 'b' : 'a'}",quarter="q${i % 4}"}`, i, gauge(i));
  }
  await write('# TYPE hist_load5 gauge\n');
  for (let i = 0; i < Math.min(HOSTS_WITH_LOAD5, options.hosts); i++) {
    await series(
      `hist_load5{host="${host(i)}",dc="${i % 2 ? 'b' : 'a'}",quarter="q${i % 4}"}`,
      i,
      gauge(i + 5000),
    );
  }
  await write('# TYPE hist_requests counter\n');
  for (let i = 0; i < COUNTER_HOSTS; i++) {
    await series(`hist_requests_total{host="${host(i)}"}`, i, (k) => counterValue(i, k));
  }
  await write('# TYPE hist_bytes_out unknown\n');
  for (let i = 0; i < COUNTER_HOSTS; i++) {
    await series(`hist_bytes_out{host="${host(i)}"}`, i, (k) => 512 * counterValue(i + 100, k));
  }
  await write('# TYPE hist_latency_seconds histogram\n');
  for (let i = 0; i < HISTOGRAM_HOSTS; i++) {
    for (const [b, le] of LATENCY_BOUNDS.entries()) {
      await series(`hist_latency_seconds_bucket{host="${host(i)}",le="${le}"}`, i, (k) =>
        bucketCount(i, k, b),
      );
    }
    await series(`hist_latency_seconds_count{host="${host(i)}"}`, i, (k) => bucketCount(i, k, 6));
    await series(`hist_latency_seconds_sum{host="${host(i)}"}`, i, (k) => bucketCount(i, k, 6) * 0.3);
  }
  await write('# EOF\n');
  out.end();
  await once(out, 'finish');
  return last;
}

/** A counter: a few per scrape, reset to 0 every 3 to 5 hours. */
function counterValue(series: number, k: number): number {
  const resetEvery = (3 + (series % 3)) * 240;
  const since = (k + series * 37) % resetEvery;
  return since * 3 + Math.floor(noise(series + 900, k) * 2);
}

/** A histogram bucket's cumulative count: more in wider buckets, growing steadily. */
function bucketCount(series: number, k: number, bucket: number): number {
  const share = [0.1, 0.3, 0.55, 0.8, 0.93, 0.99, 1][bucket]!;
  return Math.floor(k * (4 + series) * share);
}

/** Backfills the history and starts Prometheus on it. */
export async function startHistory(options: HistoryOptions): Promise<HistoryFixture> {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-prom-history-'));
  const data = join(dir, 'data');
  // Whole hours, ending two hours ago: before Prometheus's head, well inside its retention.
  const start = Math.floor(Date.now() / 3_600_000) * 3_600_000 - (options.hours + 2) * 3_600_000;
  try {
    const end = await writeHistory(join(dir, 'history.om'), options, start);
    const made = spawnSync(
      PROMTOOL_BINARY,
      ['tsdb', 'create-blocks-from', 'openmetrics', join(dir, 'history.om'), data],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    if (made.status !== 0) throw new Error(`promtool failed (${made.status}): ${made.stderr.slice(-2000)}`);
    await rm(join(dir, 'history.om'));
    await writeFile(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\n');
    const port = await freePort();
    const prometheus = spawnPrometheus(dir, data, port, ['--storage.tsdb.retention.time=30d']);
    const { url } = prometheus;
    const api = async (path: string, params: Record<string, string>): Promise<unknown> => {
      const response = await fetch(`${url}/api/v1/${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params).toString(),
      });
      const body = (await response.json()) as { status: string; data: unknown; error?: string };
      if (body.status !== 'success') throw new Error(`Prometheus said ${body.error ?? response.status}`);
      return body.data;
    };
    const stop = async () => {
      await prometheus.stop();
      await rm(dir, { recursive: true, force: true });
    };
    // Bounded polling: until the backfilled samples are queryable.
    const deadline = Date.now() + 60_000;
    while (true) {
      if (!prometheus.running()) throw new Error(`prometheus exited early:\n${prometheus.log()}`);
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `prometheus on ${url} did not serve the backfilled history within 60 s:\n${prometheus.log()}`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
      const got = await api('query', { query: 'count(hist_load)', time: String((end - 1) / 1000) }).catch(
        () => null,
      );
      const value = (got as { result?: { value: [number, string] }[] } | null)?.result?.[0]?.value[1];
      if (value === String(options.hosts)) break;
    }
    return { url, start, end, api, ...ownAnswers(api), stop };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
