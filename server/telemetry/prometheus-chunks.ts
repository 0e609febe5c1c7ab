// The exact path on samples, for the methods Prometheus cannot pool exactly (percentiles over
// several series, EVENT_COUNT_NO_ZEROS, MIN/MAX/percentiles of a counter's rates): any window, while
// the app never holds more than MAX_SAMPLES samples at once.
//
// Prometheus first counts each bucket's samples (one query_range); consecutive buckets are then
// fetched in chunks of at most MAX_SAMPLES samples, each chunk's buckets computed exactly
// (aggregate.ts) and its samples let go before the next. A single bucket of more samples than that
// is read in time slices (halved until each holds at most MAX_SAMPLES) into running figures: exact
// for every method but the percentiles, which come from a quantile sketch within
// SKETCH_RELATIVE_ACCURACY of the exact value (sketch.ts), and the request log says so.
import type { AggregationMethod } from '../protocol/messages';
import { type Bucket, interpolatedPercentile, PERCENTILES } from './aggregate';
import type { PrometheusTarget, Series } from './prometheus-client';
import { type BucketExpression, evaluateBuckets } from './prometheus-promql';
import { bucketValues, fetchSamples, MAX_SAMPLES, sampleCount } from './prometheus-samples';
import { SKETCH_RELATIVE_ACCURACY, SketchAccumulator } from './sketch';
import type { SourceContext } from './source';

export interface SamplesPlan {
  /** The selector of every series pooled (fetching samples keeps `__name__`, so one selector). */
  selector: string;
  /** Each bucket's sample count, as PromQL (pooled per metric name). */
  count: BucketExpression;
  /** A series' samples as the method reads them (rates, events, values), from `start` on. */
  read: (series: Series, start: number) => Series;
  /** How far before a chunk its samples are fetched (a counter's previous sample). */
  lookbackMillis: number;
}

export interface ExactBuckets {
  value: (bucket: Bucket) => number | undefined;
  /** Whether any sample exists in the window. */
  anySamples: boolean;
  /** How many buckets were too large to hold and got a sketch's percentile. */
  sketched: number;
}

export async function exactBuckets(
  target: PrometheusTarget,
  plan: SamplesPlan,
  buckets: readonly Bucket[],
  method: AggregationMethod,
  context: SourceContext,
  maxSamples = MAX_SAMPLES,
): Promise<ExactBuckets> {
  const counts = await evaluateBuckets(target, plan.count, buckets, context);
  const countOf = (bucket: Bucket) => (counts.get(bucket.start) ?? []).reduce((a, b) => a + b, 0);
  const values = new Map<number, number | undefined>();
  let sketched = 0;
  const fetch = async (from: number, to: number) => {
    const { series } = await fetchSamples(target, plan.selector, from - plan.lookbackMillis, to, context);
    return series.map((s) => plan.read(s, from));
  };
  /**
   * Reads `[from, to)`, which holds `count` samples, in time slices of at most `maxSamples` each:
   * halved until each half fits, the first half counted by Prometheus. Samples are seldom spread
   * evenly (a series that starts mid-bucket, a burst), so equal slices could each hold them all.
   */
  const inSlices = async (
    from: number,
    to: number,
    count: number,
    read: (from: number, to: number) => Promise<void>,
  ): Promise<void> => {
    // A single millisecond is not divided further: its samples are read as they are.
    if (count <= maxSamples || to - from <= 1) return read(from, to);
    const middle = from + Math.floor((to - from) / 2);
    const first = await sampleCount(target, plan.selector, from, middle, context);
    await inSlices(from, middle, first, read);
    await inSlices(middle, to, Math.max(0, count - first), read);
  };
  let chunk: Bucket[] = [];
  let held = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const series = await fetch(chunk[0]!.start, chunk[chunk.length - 1]!.end);
    const bucketValue = bucketValues(series, chunk, method);
    for (const bucket of chunk) values.set(bucket.start, bucketValue(bucket));
    chunk = [];
    held = 0;
  };
  for (const bucket of buckets) {
    const count = countOf(bucket);
    if (count > maxSamples) {
      await flush();
      const running = new RunningFigures(PERCENTILES[method] !== undefined);
      await inSlices(bucket.start, bucket.end, count, async (from, to) => {
        for (const s of await fetch(from, to)) running.addAll(s.values);
      });
      values.set(bucket.start, running.result(method));
      if (PERCENTILES[method] !== undefined) sketched++;
      continue;
    }
    if (held + count > maxSamples) await flush();
    chunk.push(bucket);
    held += count;
  }
  await flush();
  const zeroFilled = method === 'SUM' || method === 'EVENT_COUNT' ? 0 : undefined;
  return {
    value: (bucket) => (values.has(bucket.start) ? values.get(bucket.start) : zeroFilled),
    anySamples: [...counts.values()].some((list) => list.some((n) => n > 0)),
    sketched,
  };
}

/** The note for sketched buckets. */
export const sketchNote = (sketched: number) => ({
  id: 'percentile-sketch',
  severity: 'info' as const,
  message: `${sketched} bucket(s) held more than ${MAX_SAMPLES} samples: their percentile is a sketch's, within ${SKETCH_RELATIVE_ACCURACY * 100} % of the exact value.`,
});

/** A bucket's figures over samples seen once each: exact, but percentiles from two sketches (signs). */
class RunningFigures {
  private count = 0;
  private sum = 0;
  private nonZero = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  private readonly positive = new SketchAccumulator();
  private readonly negative = new SketchAccumulator();

  constructor(private readonly sketch: boolean) {}

  addAll(values: readonly number[]): void {
    for (const v of values) {
      this.count++;
      this.sum += v;
      if (v !== 0) this.nonZero++;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      if (this.sketch) {
        if (v < 0) this.negative.add(-v);
        else this.positive.add(v);
      }
    }
  }

  /** The value at 0-based rank among all values: the negatives first, largest magnitude first. */
  private valueAtRank(rank: number): number {
    const negatives = this.negative.count;
    return rank < negatives
      ? -this.negative.valueAtRank(negatives - 1 - rank)
      : this.positive.valueAtRank(rank - negatives);
  }

  result(method: AggregationMethod): number | undefined {
    switch (method) {
      case 'SUM':
        return this.sum;
      case 'EVENT_COUNT':
        return this.count;
      case 'SUM_NO_ZEROS':
        return this.nonZero > 0 ? this.sum : undefined;
      case 'EVENT_COUNT_NO_ZEROS':
        return this.nonZero > 0 ? this.nonZero : undefined;
    }
    if (this.count === 0) return undefined;
    if (method === 'MEAN') return this.sum / this.count;
    if (method === 'MAX') return this.max;
    if (method === 'MIN') return this.min;
    const p = PERCENTILES[method];
    return p === undefined
      ? undefined
      : interpolatedPercentile(this.count, p, (rank) => this.valueAtRank(rank));
  }
}
