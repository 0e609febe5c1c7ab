// The stored samples of every series a selector matches in a window, straight from Prometheus's
// TSDB, and what the mirror makes of them: counters as per-second rates, raw points in time
// order, and the 14 methods over tumbling buckets (aggregate.ts).
//
// Fetching. One instant query of a range-vector selector, `<selector>[<n>ms]` at the window's
// last millisecond, returns the samples themselves (a matrix), not an interpolation; the window
// is then cut exactly to `[from, end)` here, so it does not matter whether the Prometheus in
// question treats a range as closed (2.x) or left-open (3.x). A `count_over_time` query says how
// many samples a window holds: no fetch ever asks for more than MAX_SAMPLES (prometheus-raw.ts,
// prometheus-chunks.ts).
import type { AggregationMethod } from '../protocol/messages';
import { aggregate, type Bucket } from './aggregate';
import {
  apiGet,
  matrixOf,
  type PrometheusTarget,
  promSeconds,
  type Series,
  scalarOfVector,
} from './prometheus-client';
import type { SourceContext } from './source';

/** The most samples one query fetches (about 25 bytes each in Prometheus's JSON). */
export const MAX_SAMPLES = 500_000;
/** How far before the window a counter's previous sample is looked for (Prometheus's lookback delta). */
export const COUNTER_LOOKBACK_MILLIS = 5 * 60_000;

/** A PromQL expression of `selector` over `[from, end)`, evaluated at `end - 1 ms`. */
function rangeQuery(expression: (range: string) => string, from: number, end: number): URLSearchParams {
  return new URLSearchParams({ query: expression(`[${end - from}ms]`), time: promSeconds(end - 1) });
}

/** How many samples `selector` holds in `[from, end)` (at most 1 ms more, at the edge). */
export async function sampleCount(
  target: PrometheusTarget,
  selector: string,
  from: number,
  end: number,
  context: SourceContext,
): Promise<number> {
  const params = rangeQuery((range) => `sum(count_over_time(${selector}${range}))`, from, end);
  return scalarOfVector(await apiGet(target, 'query', params, context), target);
}

/** Every stored sample of every series `selector` matches, inside `[from, end)`. */
export async function fetchSamples(
  target: PrometheusTarget,
  selector: string,
  from: number,
  end: number,
  context: SourceContext,
): Promise<{ series: Series[]; dropped: number }> {
  const params = rangeQuery((range) => `${selector}${range}`, from, end);
  const { series, dropped } = matrixOf(await apiGet(target, 'query', params, context), target);
  for (const s of series) {
    const keep = s.times.map((t) => t >= from && t < end);
    s.times = s.times.filter((_, i) => keep[i]);
    s.values = s.values.filter((_, i) => keep[i]);
  }
  return { series, dropped };
}

/**
 * A counter's samples as per-second rates: at each sample after the first, the increase since the
 * previous sample (the new value itself after a reset, when it went down) over the seconds between
 * them. Only rates at `start` or later are kept; the first sample of a series gives no rate.
 */
export function asRates(series: Series, start: number): Series {
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 1; i < series.times.length; i++) {
    const t = series.times[i]!;
    if (t < start) continue;
    const [previous, current] = [series.values[i - 1]!, series.values[i]!];
    const increase = current >= previous ? current - previous : current;
    times.push(t);
    values.push(increase / ((t - series.times[i - 1]!) / 1000));
  }
  return { labels: series.labels, times, values };
}

/** The series' samples at `start` or later. */
export function samplesFrom(series: Series, start: number): Series {
  const first = series.times.findIndex((t) => t >= start);
  if (first <= 0) return first === 0 ? series : { labels: series.labels, times: [], values: [] };
  return { labels: series.labels, times: series.times.slice(first), values: series.values.slice(first) };
}

/** All samples of all series as `[value, timestamp]`, in time order (ties in series order). */
export function mergedPoints(series: readonly Series[]): [number, number][] {
  const points: [number, number][] = [];
  for (const s of series) for (let i = 0; i < s.times.length; i++) points.push([s.values[i]!, s.times[i]!]);
  // Array.prototype.sort is stable: equal timestamps keep series order.
  return points.sort((a, b) => a[1] - b[1]);
}

/**
 * The value of each bucket: `method` over all samples of all series inside it. The _NO_ZEROS
 * methods leave out samples equal to 0 first (so a bucket of zeros gives no point).
 */
export function bucketValues(
  series: readonly Series[],
  buckets: readonly Bucket[],
  method: AggregationMethod,
): (bucket: Bucket) => number | undefined {
  const first = buckets[0]?.start ?? 0;
  const size = buckets.length > 1 ? buckets[1]!.start - first : Number.POSITIVE_INFINITY;
  const pools: number[][] = buckets.map(() => []);
  const noZeros = method === 'SUM_NO_ZEROS' || method === 'EVENT_COUNT_NO_ZEROS';
  for (const s of series) {
    for (let i = 0; i < s.times.length; i++) {
      const value = s.values[i]!;
      if (noZeros && value === 0) continue;
      const index = Math.floor((s.times[i]! - first) / size);
      const pool = pools[Math.min(index, buckets.length - 1)];
      if (index >= 0 && pool) pool.push(value);
    }
  }
  const byStart = new Map(buckets.map((bucket, i) => [bucket.start, pools[i]!]));
  return (bucket) => aggregate(method, byStart.get(bucket.start) ?? []);
}
