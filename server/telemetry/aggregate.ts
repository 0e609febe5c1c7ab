// The 14 aggregation methods of the mirror protocol (mirror-api.md §5) and the tumbling buckets
// they are applied to.
//
// Empty buckets: SUM and EVENT_COUNT give 0 (zero-filled); every other method, SUM_NO_ZEROS and
// EVENT_COUNT_NO_ZEROS included, gives no value, and the bucket is left out of the response.
//
// Percentiles: linear interpolation between closest ranks, the definition of NumPy's default,
// Excel's PERCENTILE.INC and Hyndman & Fan's type 7: for sorted x[0..n-1] and p in [0, 1],
// h = (n - 1) * p and the result is x[⌊h⌋] + (h - ⌊h⌋) * (x[⌊h⌋ + 1] - x[⌊h⌋]).
import type { AggregatedPoint, AggregationMethod } from '../protocol/messages';

/** Each percentile method's rank, as a fraction. */
export const PERCENTILES: Partial<Record<AggregationMethod, number>> = {
  PERCENTILE_25: 0.25,
  PERCENTILE_50: 0.5,
  PERCENTILE_75: 0.75,
  PERCENTILE_90: 0.9,
  PERCENTILE_95: 0.95,
  PERCENTILE_98: 0.98,
  PERCENTILE_99: 0.99,
};

/**
 * Applies `method` to the samples of one bucket. `undefined` means "no point for this bucket".
 *
 * `weights`, when given, says how many samples each value stands for (positive integers): the
 * demo's dimensions pass each host's constant value with its number of samples. The result is
 * then exactly the result over the expanded list in which each value is repeated `weight` times.
 */
export function aggregate(
  method: AggregationMethod,
  values: readonly number[],
  weights?: readonly number[],
): number | undefined {
  const count = weights ? sumOf(weights) : values.length;
  const total = weights ? weightedSum(values, weights) : sumOf(values);
  switch (method) {
    case 'EVENT_COUNT':
      return count;
    case 'SUM':
      return total;
    case 'EVENT_COUNT_NO_ZEROS':
      return count > 0 ? count : undefined;
    case 'SUM_NO_ZEROS':
      return count > 0 ? total : undefined;
  }
  if (count === 0) return undefined;
  switch (method) {
    case 'MEAN':
      return total / count;
    case 'MAX':
      return extreme(values, (a, b) => a > b);
    case 'MIN':
      return extreme(values, (a, b) => a < b);
  }
  const p = PERCENTILES[method];
  if (p === undefined) throw new Error(`unknown aggregation method ${method}`);
  return weights ? weightedPercentile(values, weights, p) : percentile(values, p);
}

/** Linear interpolation between closest ranks (see the top of this file); `values` need not be sorted. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = Float64Array.from(values).sort();
  return interpolatedPercentile(sorted.length, p, (rank) => sorted[rank]!);
}

/** The definition at the top of this file, for `n` values known by their 0-based rank. */
export function interpolatedPercentile(n: number, p: number, valueAtRank: (rank: number) => number): number {
  const h = (n - 1) * p;
  const below = Math.floor(h);
  const lower = valueAtRank(below);
  const upper = valueAtRank(Math.min(below + 1, n - 1));
  return lower + (h - below) * (upper - lower);
}

/** The same definition over the list in which `values[i]` appears `weights[i]` times. */
function weightedPercentile(values: readonly number[], weights: readonly number[], p: number): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const h = (sumOf(weights) - 1) * p;
  const below = Math.floor(h);
  // Walk the sorted runs once to find the values at expanded positions `below` and `below + 1`.
  let lower: number | undefined;
  let upper: number | undefined;
  let covered = 0;
  for (const i of order) {
    covered += weights[i]!;
    if (lower === undefined && covered > below) lower = values[i];
    if (covered > below + 1) {
      upper = values[i];
      break;
    }
  }
  lower ??= values[order[order.length - 1]!]!;
  upper ??= lower;
  return lower + (h - below) * (upper - lower);
}

/** A loop rather than Math.max(...values): spreading a long list overflows the call stack. */
function extreme(values: readonly number[], beats: (a: number, b: number) => boolean): number {
  let best = values[0]!;
  for (const v of values) if (beats(v, best)) best = v;
  return best;
}

function sumOf(values: readonly number[]): number {
  let total = 0;
  for (const v of values) total += v;
  return total;
}

function weightedSum(values: readonly number[], weights: readonly number[]): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]! * weights[i]!;
  return total;
}

// ---------- tumbling buckets ----------

/**
 * The most buckets one answer holds. StackState picks the bucket size from the window and the
 * chart width, so real queries stay far below; past it (a 1 ms bucket over a month) the mirror
 * answers the first MAX_BUCKETS buckets as a partial answer rather than compute them all at once.
 */
export const MAX_BUCKETS = 10_000;

/** A half-open time range `[start, end)` in epoch milliseconds. */
export interface Bucket {
  start: number;
  end: number;
}

/** How many buckets of `bucketSizeMillis` tile `[startTime, endTime)`: ceil(window / size). */
export function bucketCount(startTime: number, endTime: number, bucketSizeMillis: number): number {
  return endTime > startTime ? Math.ceil((endTime - startTime) / bucketSizeMillis) : 0;
}

/**
 * Tumbling buckets aligned to `startTime`, each `[start, start + size)`. The last one is kept even
 * when the window does not fill it, and ends at `endTime`: a chart then reaches the end of the
 * window, and no bucket ever claims time outside it. (Its SUM and EVENT_COUNT cover less time.)
 */
export function tumblingBuckets(startTime: number, endTime: number, bucketSizeMillis: number): Bucket[] {
  const count = bucketCount(startTime, endTime, bucketSizeMillis);
  const buckets: Bucket[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = startTime + i * bucketSizeMillis;
    buckets[i] = { start, end: Math.min(start + bucketSizeMillis, endTime) };
  }
  return buckets;
}

/**
 * Where the first answer to a window ends: after at most `maxBuckets` whole buckets from
 * `startTime`, or at `endTime` if that comes first. A window cut short is answered in part, with
 * `isPartial` (mirror-api.md §4.4): the caller's follow-up from the last point's end starts on a
 * bucket edge, so its buckets line up with the ones a single answer would have had.
 */
export function firstPartEnd(
  startTime: number,
  endTime: number,
  bucketSizeMillis: number,
  maxBuckets = MAX_BUCKETS,
): number {
  return bucketCount(startTime, endTime, bucketSizeMillis) > maxBuckets
    ? startTime + maxBuckets * bucketSizeMillis
    : endTime;
}

/**
 * One `[value, start, end]` point per bucket that has a value, in time order. Lazy, so a caller
 * that stops at `limit` points computes no bucket past the one that tells it more exist.
 */
export function* bucketPoints(
  buckets: readonly Bucket[],
  bucketValue: (bucket: Bucket) => number | undefined,
): Generator<AggregatedPoint> {
  for (const bucket of buckets) {
    const value = bucketValue(bucket);
    if (value !== undefined) yield [value, bucket.start, bucket.end];
  }
}
