// Two PromQL calls for the prometheus source's answers computed in Prometheus (prometheus-promql.ts),
// on top of the client (prometheus-client.ts: apiGet, matrixOf): a `query_range` with a step, split
// where Prometheus's 11,000 points per series would refuse it, and an instant `query` read as a
// vector. Both give the same shape: one series of evaluation times (epoch ms) and values per
// result, non-finite values dropped.
import {
  apiGet,
  isRecord,
  matrixOf,
  type PrometheusTarget,
  promSeconds,
  type Series,
  shownUrl,
} from './prometheus-client';
import { remoteMirrorError, type SourceContext } from './source';

/** Prometheus refuses a query_range of more points than this per series. */
export const MAX_RANGE_POINTS = 11_000;

/** The evaluation times `first, first + step, …, last` cut into runs of at most `maxPoints` times. */
export function rangeChunks(
  first: number,
  last: number,
  step: number,
  maxPoints = MAX_RANGE_POINTS,
): { start: number; end: number }[] {
  const chunks: { start: number; end: number }[] = [];
  for (let start = first; start <= last; start += maxPoints * step) {
    chunks.push({ start, end: Math.min(last, start + (maxPoints - 1) * step) });
  }
  return chunks;
}

/** `expression` evaluated at `first, first + step, …, last` (epoch ms), per result series. */
export async function queryRange(
  target: PrometheusTarget,
  expression: string,
  evaluation: { first: number; last: number; step: number },
  context: SourceContext,
): Promise<Series[]> {
  const chunks = rangeChunks(evaluation.first, evaluation.last, evaluation.step);
  const answers = await Promise.all(
    chunks.map(async ({ start, end }) => {
      const params = new URLSearchParams({
        query: expression,
        start: promSeconds(start),
        end: promSeconds(end),
        step: promSeconds(evaluation.step),
      });
      return matrixOf(await apiGet(target, 'query_range', params, context), target).series;
    }),
  );
  // The same series across chunks become one, by their labels.
  const byLabels = new Map<string, Series>();
  for (const series of answers.flat()) {
    const key = JSON.stringify(Object.entries(series.labels).sort());
    const known = byLabels.get(key);
    if (!known) byLabels.set(key, series);
    else {
      known.times.push(...series.times);
      known.values.push(...series.values);
    }
  }
  return [...byLabels.values()];
}

/**
 * An instant query's result as vector items. A scalar expression (`scalar(…)`, `2 * 3`) answers with
 * one number and no labels, where a range query gives a matrix of one series: both are one series.
 */
function instantItems(data: unknown): unknown[] | null {
  if (!isRecord(data)) return null;
  if (data.resultType === 'scalar') return [{ metric: {}, value: data.result }];
  return data.resultType === 'vector' && Array.isArray(data.result) ? data.result : null;
}

/** `expression` evaluated at `time` (epoch ms), per result series, as one-sample series. */
export async function queryInstant(
  target: PrometheusTarget,
  expression: string,
  time: number,
  context: SourceContext,
): Promise<Series[]> {
  const params = new URLSearchParams({ query: expression, time: promSeconds(time) });
  const data = await apiGet(target, 'query', params, context);
  const items = instantItems(data);
  if (items === null) {
    throw remoteMirrorError(
      `Prometheus at ${shownUrl(target)} answered a query with something other than a vector or a scalar.`,
    );
  }
  const series: Series[] = [];
  for (const item of items) {
    const sample = isRecord(item) ? item.value : undefined;
    const labels = isRecord(item) && isRecord(item.metric) ? item.metric : {};
    if (!Array.isArray(sample) || typeof sample[0] !== 'number' || typeof sample[1] !== 'string') {
      throw remoteMirrorError(
        `Prometheus at ${shownUrl(target)} answered a vector sample that is not [seconds, "value"].`,
      );
    }
    const value = Number(sample[1]);
    series.push({
      labels: Object.fromEntries(Object.entries(labels).map(([k, v]) => [k, String(v)])),
      times: Number.isFinite(value) ? [Math.round(sample[0] * 1000)] : [],
      values: Number.isFinite(value) ? [value] : [],
    });
  }
  return series;
}
