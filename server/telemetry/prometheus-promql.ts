// Aggregated answers computed in Prometheus, exactly: the bucket [t, t+b) is the PromQL range
// `[b−1ms]` evaluated at t+b−1 ms (Prometheus 2.x ranges hold both ends; the millisecond keeps a
// sample on a bucket's edge in one bucket only), all buckets of a window in one `query_range` with
// step = b, and a window's shorter last bucket in one instant query of its own length.
//
// What Prometheus pools exactly over several series, per kind of metric (docs/prometheus.md):
// - a gauge: MAX `max(max_over_time)`, MIN, SUM `sum(sum_over_time)`, EVENT_COUNT
//   `sum(count_over_time)`, MEAN `sum(sum_over_time) / sum(count_over_time)`, SUM_NO_ZEROS the
//   sum where some sample is not 0 (its maximum or minimum is not 0), and the percentiles of a
//   single series `quantile_over_time` (the same interpolation as aggregate.ts);
// - a counter: SUM `sum(increase)`, the increase in the bucket as Prometheus's increase() computes
//   it (resets counted, extrapolated to the bucket's edges), MEAN `sum(rate)`, that increase ÷ the
//   range's seconds (b − 1 ms), SUM_NO_ZEROS that increase where it is not 0, EVENT_COUNT the samples;
// - a histogram family's `_bucket` series: PERCENTILE_* `histogram_quantile(q, sum by (le) (increase))`;
// - a counted label (one event of value 1 per sample): every method from `sum(count_over_time)`.
// Everything else (the rest of the percentiles, EVENT_COUNT_NO_ZEROS, MIN/MAX of a counter's
// rates) goes to the exact path on samples (prometheus-chunks.ts): `null` here.
//
// Several metric names: `count_over_time` and its kin drop `__name__`, so two names with the same
// other labels would collide ("vector cannot contain metrics with the same labelset"). Each name
// is then aggregated on its own, tagged with a label of its own, and pooled again: one query still.
import type { AggregationMethod } from '../protocol/messages';
import { type Bucket, PERCENTILES } from './aggregate';
import type { PrometheusTarget } from './prometheus-client';
import { queryInstant, queryRange } from './prometheus-range';
import type { SourceContext } from './source';

/** How a group of series is read: its samples, a counter's increase, a histogram's buckets, or events. */
export type SeriesKind = 'gauge' | 'counter' | 'histogram' | 'counted';

/** The series of one metric name (or of every name, when only one is asked for). */
export interface MetricGroup {
  selector: string;
  kind: SeriesKind;
}

/** A bucket's PromQL, given its range text (`[59999ms]`). */
export type BucketExpression = (range: string) => string;

/** `aggregator` over `inner(group)` of every group, as one PromQL expression. */
function pooled(
  aggregator: string,
  groups: readonly MetricGroup[],
  inner: (group: MetricGroup) => string,
): string {
  if (groups.length === 1) return `${aggregator}(${inner(groups[0]!)})`;
  const tagged = groups.map(
    (group, i) => `label_replace(${aggregator}(${inner(group)}), "mirror_group", "${i}", "", "")`,
  );
  return `${aggregator}(${tagged.join(' or ')})`;
}

const over = (fn: string, range: string) => (group: MetricGroup) => `${fn}(${group.selector}${range})`;

/**
 * The PromQL that gives `method` over each bucket exactly, or null where Prometheus cannot (the
 * samples path answers). `oneSeries`: the conditions match a single series.
 */
export function bucketExpression(
  method: AggregationMethod,
  groups: readonly MetricGroup[],
  oneSeries: boolean,
): BucketExpression | null {
  if (groups.length === 0) return null;
  const kinds = new Set(groups.map((g) => g.kind));
  const only = (kind: SeriesKind) => kinds.size === 1 && kinds.has(kind);
  const count = (r: string) => pooled('sum', groups, over('count_over_time', r));
  if (only('counted')) {
    // Every sample is one event of value 1: all methods follow from the count.
    if (method === 'SUM' || method === 'EVENT_COUNT' || method.endsWith('_NO_ZEROS')) return count;
    return (r) => `${count(r)} > bool 0`;
  }
  if (kinds.has('counted')) return null;
  const percentile = PERCENTILES[method];
  if (percentile !== undefined && only('histogram')) {
    return (r) => `histogram_quantile(${percentile}, ${pooled('sum by (le) ', groups, over('increase', r))})`;
  }
  // A histogram's series read with any other method are counters.
  const counters = groups.every((g) => g.kind === 'counter' || g.kind === 'histogram');
  const gauges = only('gauge');
  const increase = (r: string) => (g: MetricGroup) =>
    g.kind === 'gauge' ? `sum_over_time(${g.selector}${r})` : `increase(${g.selector}${r})`;
  switch (method) {
    case 'EVENT_COUNT':
      return count;
    case 'SUM':
      return (r) => pooled('sum', groups, increase(r));
    case 'MEAN':
      if (counters) return (r) => pooled('sum', groups, over('rate', r));
      return gauges ? (r) => `${pooled('sum', groups, over('sum_over_time', r))} / ${count(r)}` : null;
    case 'MAX':
    case 'MIN': {
      const fn = method === 'MAX' ? 'max' : 'min';
      return gauges ? (r) => pooled(fn, groups, over(`${fn}_over_time`, r)) : null;
    }
    case 'SUM_NO_ZEROS':
      // A counter's increase, where it is not 0. A gauge's sum, where some sample is not 0: exactly
      // when the largest or the smallest is not.
      if (counters) return (r) => `${pooled('sum', groups, over('increase', r))} != 0`;
      return gauges
        ? (r) =>
            `${pooled('sum', groups, over('sum_over_time', r))} and on() (${pooled('max', groups, over('max_over_time', r))} != 0 or ${pooled('min', groups, over('min_over_time', r))} != 0)`
        : null;
  }
  if (percentile !== undefined && gauges && oneSeries && groups.length === 1) {
    return (r) => `max(quantile_over_time(${percentile}, ${groups[0]!.selector}${r}))`;
  }
  return null;
}

/** Whether the buckets can be asked of Prometheus: every range at least 1 ms long. */
export const promqlCanEvaluate = (buckets: readonly Bucket[]): boolean =>
  buckets.every((bucket) => bucket.end - bucket.start >= 2);

/**
 * Each bucket's value as Prometheus evaluates `expression` at its end − 1 ms over its length − 1 ms,
 * keyed by the bucket's start; a result of several series gives each of them (`pool` joins them).
 */
export async function evaluateBuckets(
  target: PrometheusTarget,
  expression: BucketExpression,
  buckets: readonly Bucket[],
  context: SourceContext,
): Promise<Map<number, number[]>> {
  const first = buckets[0];
  const last = buckets[buckets.length - 1];
  const values = new Map<number, number[]>();
  if (!first || !last) return values;
  const size = first.end - first.start;
  const full = buckets.filter((b) => b.end - b.start === size);
  const short = buckets.filter((b) => b.end - b.start !== size);
  const add = (start: number, value: number) => {
    const list = values.get(start);
    if (list) list.push(value);
    else values.set(start, [value]);
  };
  const calls: Promise<void>[] = [];
  if (full.length > 0) {
    const evaluation = {
      first: full[0]!.start + size - 1,
      last: full[full.length - 1]!.start + size - 1,
      step: size,
    };
    calls.push(
      queryRange(target, expression(`[${size - 1}ms]`), evaluation, context).then((result) => {
        for (const s of result)
          for (let i = 0; i < s.times.length; i++) add(s.times[i]! - size + 1, s.values[i]!);
      }),
    );
  }
  for (const bucket of short) {
    const length = bucket.end - bucket.start;
    calls.push(
      queryInstant(target, expression(`[${length - 1}ms]`), bucket.end - 1, context).then((result) => {
        for (const s of result) for (const value of s.values) add(bucket.start, value);
      }),
    );
  }
  await Promise.all(calls);
  return values;
}
