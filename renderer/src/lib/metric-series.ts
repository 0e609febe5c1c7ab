// A metric answer as a series to chart, read from the mirror's response (mirror-api.md §4.4), and the
// request facts that say how StackState asked for it. Pure: no DOM.
//
// Points are kept in typed arrays (10,000 points cost 240 KB, not 10,000 small arrays), sorted by time.

export type SeriesKind = 'raw' | 'aggregated';

export interface MetricSeries {
  kind: SeriesKind;
  /** Start of each point (a raw point's timestamp, a bucket's startTimestamp), epoch ms, ascending. */
  starts: Float64Array;
  /** End of each bucket (aggregated only; equal to `starts` for raw points). */
  ends: Float64Array;
  /** The value, NaN where the answer had none (null, "NaN"). */
  values: Float64Array;
  isPartial: boolean;
}

/** What the request asked for: the series is known by field and conditions; the method tells overlays apart. */
export interface MetricQuery {
  field: string;
  /** The conditions as canonical JSON: equal for two requests about the same series. */
  conditionsKey: string;
  /** The aggregation method (MEAN, MAX…), or null for a raw query. */
  method: string | null;
  bucketSizeMillis: number | null;
  startTime: number | null;
  endTime: number | null;
}

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

const finiteOrNull = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** Reads a MetricsResponse body; null when the text is not one (an error answer, a cut body, another operation). */
export function parseMetricResponse(text: string): MetricSeries | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const telemetry = record(record(body)?.telemetry);
  if (!telemetry || !Array.isArray(telemetry.points)) return null;
  const kind: SeriesKind | null =
    telemetry._type === 'RawMetricTelemetry'
      ? 'raw'
      : telemetry._type === 'AggregatedMetricTelemetry'
        ? 'aggregated'
        : null;
  if (!kind) return null;
  // dataFormat names each position; the protocol's default layouts when it is absent.
  const format = Array.isArray(telemetry.dataFormat) ? telemetry.dataFormat : [];
  const at = (name: string, fallback: number) => {
    const index = format.indexOf(name);
    return index >= 0 ? index : fallback;
  };
  const valueAt = at('value', 0);
  const startAt = kind === 'raw' ? at('timestamp', 1) : at('startTimestamp', 1);
  const endAt = kind === 'raw' ? startAt : at('endTimestamp', 2);
  const points = telemetry.points as unknown[];
  const starts = new Float64Array(points.length);
  const ends = new Float64Array(points.length);
  const values = new Float64Array(points.length);
  let n = 0;
  let sorted = true;
  for (const point of points) {
    if (!Array.isArray(point)) continue;
    const start = finiteOrNull(point[startAt]);
    if (start === null) continue;
    if (n > 0 && start < (starts[n - 1] as number)) sorted = false;
    starts[n] = start;
    ends[n] = finiteOrNull(point[endAt]) ?? start;
    values[n] = finiteOrNull(point[valueAt]) ?? Number.NaN;
    n++;
  }
  const series: MetricSeries = {
    kind,
    starts: starts.subarray(0, n),
    ends: ends.subarray(0, n),
    values: values.subarray(0, n),
    isPartial: telemetry.isPartial === true,
  };
  // Answers come in time order; a mirror that does not keep it still charts correctly.
  if (!sorted) sortByStart(series);
  return series;
}

function sortByStart(series: MetricSeries): void {
  const order = Array.from(series.starts.keys()).sort(
    (a, b) => (series.starts[a] as number) - (series.starts[b] as number),
  );
  const starts = Float64Array.from(order, (i) => series.starts[i] as number);
  const ends = Float64Array.from(order, (i) => series.ends[i] as number);
  const values = Float64Array.from(order, (i) => series.values[i] as number);
  series.starts = starts;
  series.ends = ends;
  series.values = values;
}

/** Reads a MetricsRequest body; null when it is not one. */
export function parseMetricQuery(text: string): MetricQuery | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const query = record(record(body)?.query);
  if (!query) return null;
  const aggregation = record(query.aggregation);
  return {
    field: typeof query.metricField === 'string' ? query.metricField : '',
    conditionsKey: canonicalJson(query.conditions ?? []),
    method: aggregation && typeof aggregation.method === 'string' ? aggregation.method : null,
    bucketSizeMillis: aggregation ? finiteOrNull(aggregation.bucketSizeMillis) : null,
    startTime: finiteOrNull(query.startTime),
    endTime: finiteOrNull(query.endTime),
  };
}

/** JSON with object keys sorted, so two requests that say the same thing compare equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = record(value);
  if (object) {
    return `{${Object.keys(object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(object[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** Two windows StackState asked for in one go differ by the time between the requests: a minute at most. */
const SAME_WINDOW_MILLIS = 60_000;

const near = (a: number | null, b: number | null) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= SAME_WINDOW_MILLIS;

/** Whether two requests ask about the same series (field and conditions) over the same time window. */
export function sameSeries(a: MetricQuery, b: MetricQuery): boolean {
  return (
    a.field === b.field &&
    a.conditionsKey === b.conditionsKey &&
    near(a.startTime, b.startTime) &&
    near(a.endTime, b.endTime)
  );
}

/**
 * The requests StackState sent in a row about one series with different methods (a chart asking for
 * MEAN, MIN and MAX at once): from `index` in `queries` (in log order; null for entries that are not
 * metric requests), the adjacent run of requests about the same series and window, each method
 * once. Returns indexes.
 */
export function methodRun(queries: ReadonlyArray<MetricQuery | null>, index: number): number[] {
  const own = queries[index];
  if (!own) return [];
  const belongs = (q: MetricQuery | null | undefined): q is MetricQuery => !!q && sameSeries(q, own);
  let first = index;
  while (first > 0 && belongs(queries[first - 1])) first--;
  let last = index;
  while (last < queries.length - 1 && belongs(queries[last + 1])) last++;
  const seen = new Set<string | null>([own.method]);
  const run = [index];
  // Nearest first, so a method asked twice keeps the request closest to this one.
  for (let d = 1; index - d >= first || index + d <= last; d++) {
    for (const i of [index - d, index + d]) {
      if (i < first || i > last) continue;
      const method = queries[i]?.method ?? null;
      if (seen.has(method)) continue;
      seen.add(method);
      run.push(i);
    }
  }
  return run.sort((a, b) => a - b);
}

export interface SeriesStats {
  /** Points with a value. */
  count: number;
  /** Points without one (NaN). */
  gaps: number;
  min: number;
  max: number;
  /** The time covered: first start to last end. */
  from: number;
  to: number;
}

export function seriesStats(series: MetricSeries): SeriesStats | null {
  const n = series.values.length;
  if (n === 0) return null;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let gaps = 0;
  for (let i = 0; i < n; i++) {
    const v = series.values[i] as number;
    if (Number.isNaN(v)) {
      gaps++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return {
    count: n - gaps,
    gaps,
    min,
    max,
    from: series.starts[0] as number,
    to: Math.max(series.ends[n - 1] as number, series.starts[n - 1] as number),
  };
}
