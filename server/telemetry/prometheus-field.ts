// The PromQL field: a Select field (metricField) that starts with `~` is a PromQL expression, as in
// StackState's own Prometheus mirror. It is what Prometheus computes, not the exact path:
// - aggregated: evaluated at each bucket's end − 1 ms (one query_range, step = bucket); `$bucket`
//   in the expression stands for the bucket's range minus 1 ms (`59999ms` for 1-minute buckets),
//   so `~sum(increase(http_requests_total[$bucket]))` is the increase in each bucket. Where the
//   expression gives several series, the method pools their values at each bucket (and the log
//   says so); a bucket without a value has no point.
// - raw: evaluated every `step` over the window, a step that keeps the points within the cap; it
//   must give one series.
// The request's conditions are not applied (no expression can be rewritten safely): the log says so.
import type { MetricsQuery, MetricsResponse } from '../protocol/messages';
import { aggregate, type Bucket, bucketPoints } from './aggregate';
import { takeFirst } from './page';
import type { PrometheusTarget } from './prometheus-client';
import { evaluateBuckets, promqlCanEvaluate } from './prometheus-promql';
import { queryRange } from './prometheus-range';
import { aggregatedResponse, rawResponse } from './responses';
import { remoteMirrorError, type SourceContext } from './source';

export const PROMQL_FIELD_PREFIX = '~';
/** In a PromQL field, the bucket's range (its length − 1 ms). */
export const BUCKET_RANGE_PLACEHOLDER = '$bucket';

export const isPromqlField = (metricField: string | undefined): metricField is string =>
  metricField?.startsWith(PROMQL_FIELD_PREFIX) === true;

/** The expression with `$bucket` as the range text's duration (`[59999ms]` gives `59999ms`). */
const withRange = (expression: string, range: string) =>
  expression.replaceAll(BUCKET_RANGE_PLACEHOLDER, range.replace(/^\[|\]$/g, ''));

export async function promqlFieldAnswer(
  target: PrometheusTarget,
  query: MetricsQuery,
  buckets: readonly Bucket[] | null,
  rawPointCap: number,
  context: SourceContext,
  /** The window was cut to its first part (past MAX_BUCKETS): the answer is partial whatever it holds. */
  windowCut = false,
): Promise<MetricsResponse> {
  const expression = (query.metricField ?? '').slice(PROMQL_FIELD_PREFIX.length).trim();
  if (expression === '')
    throw remoteMirrorError('The PromQL field is empty.', 'Write a PromQL expression after the ~.');
  if (query.conditions.length > 0) {
    context.note({
      id: 'promql-field-conditions',
      severity: 'warn',
      message: `${query.conditions.length} condition(s) not applied: a PromQL field (~) is evaluated as written.`,
    });
  }
  const method = query.aggregation?.method;
  if (!buckets || !method) {
    const window = query.endTime - query.startTime;
    const step = Math.max(1000, Math.ceil(window / Math.min(query.limit, rawPointCap)));
    const first = query.startTime + step - 1;
    if (first >= query.endTime) return rawResponse([], false);
    const series = await queryRange(
      target,
      withRange(expression, `[${step - 1}ms]`),
      { first, last: query.endTime - 1, step },
      context,
    );
    if (series.length > 1) {
      throw remoteMirrorError(
        `The PromQL field gives ${series.length} series; raw points must be one.`,
        'Pool them in the expression (sum, max, …), or ask for an aggregation.',
      );
    }
    const s = series[0];
    const points: [number, number][] = s ? s.times.map((t, i) => [s.values[i]!, t]) : [];
    const { items, isPartial } = takeFirst(points, Math.min(query.limit, rawPointCap));
    return rawResponse(items, isPartial);
  }
  if (!promqlCanEvaluate(buckets)) throw remoteMirrorError('A PromQL field needs buckets of at least 2 ms.');
  const values = await evaluateBuckets(target, (range) => withRange(expression, range), buckets, context);
  const widest = Math.max(0, ...[...values.values()].map((list) => list.length));
  if (widest > 1) {
    context.note({
      id: 'pooled-series',
      severity: 'info',
      message: `The PromQL field gives up to ${widest} series: ${method} pools their values in each bucket.`,
    });
  }
  const points = bucketPoints(buckets, (bucket) => {
    const list = values.get(bucket.start);
    return list ? aggregate(method, list) : undefined;
  });
  const { items, isPartial } = takeFirst(points, query.limit);
  return aggregatedResponse(items, isPartial || windowCut);
}
