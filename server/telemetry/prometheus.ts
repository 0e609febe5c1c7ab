// The "prometheus" data source: a Prometheus server's data, served over the mirror protocol
// through Prometheus's HTTP API. The mapping (the README's "Serving your Prometheus" says it for
// users):
//
// - Test Connection (prometheus-readiness.ts): an instant query of `1`; readiness pages explain a
//   failure. Field names and field values: prometheus-fields.ts.
// - Conditions: a series selector (prometheus-selector.ts), every value escaped.
// - The metric: `__name__ = <metric>` (or InSetValue of names) among the conditions, or the metric's
//   name as `metricField` (the Select field); `metricField` `value` or none means "the sample value
//   of the metric the conditions choose". No metric at all is a RemoteMirrorError saying how to
//   choose one; a metric with no series is an empty answer.
// - Every listed field is a valid Select field. A label (STRING), `__name__` included, is counted
//   like the demo's string dimensions: one event, value 1, per sample of each matching series
//   that carries it (`label!=""`), so EVENT_COUNT counts samples. A `metricField` is such a label
//   when the conditions already choose the metric and it is not one of the chosen names, or when
//   no metric of that name has samples in the window. Counted samples are never served as rates.
// - Counters (metadata type counter, a histogram's or summary's _count/_sum/_bucket, or without
//   metadata a `_total` name) are served as per-second rates (prometheus-samples.ts: asRates), and
//   the request log says so.
// - Raw: every stored sample of every matching series in [startTime, endTime), in time order, cut
//   to min(limit, RAW_POINT_CAP) with isPartial. Aggregated: tumbling buckets aligned to
//   startTime; each method over all samples of all matching series in the bucket (aggregate.ts).
// - Failures: unreachable, timing out, 401/403 or "unavailable" → MetricStoreConnectionError;
//   a query Prometheus rejects → RemoteMirrorError with its message; garbage → RemoteMirrorError.
import type { MetricsQuery, MetricsResponse } from '../mirror/protocol';
import { bucketPoints, checkedBuckets } from './aggregate';
import { takeFirst } from './page';
import { backendOptionsFromSetting } from './prometheus-backend-options';
import {
  apiGet,
  isRecord,
  type PrometheusOptions,
  type PrometheusTarget,
  type Series,
  targetFor,
} from './prometheus-client';
import { fieldNames, fieldValues } from './prometheus-fields';
import { testConnection } from './prometheus-readiness';
import {
  asRates,
  bucketValues,
  COUNTER_LOOKBACK_MILLIS,
  fetchSamples,
  MAX_SAMPLES,
  mergedPoints,
  sampleCount,
  samplesFrom,
  tooManySamples,
} from './prometheus-samples';
import {
  hasLabelMatcher,
  isLabelName,
  metricNamesOf,
  NAME_LABEL,
  nameMatcher,
  selectionOf,
  selectorText,
  VALUE_FIELD,
} from './prometheus-selector';
import { aggregatedResponse, emptyResponse, rawResponse } from './responses';
import { remoteMirrorError, type SourceContext, type TelemetrySource } from './source';

/** The most raw points one query returns, whatever its `limit`. */
export const RAW_POINT_CAP = 10_000;
/** The most metric names one query may pool (an InSetValue on `__name__`). */
export const MAX_METRICS = 20;

export function createPrometheusSource(options: PrometheusOptions): TelemetrySource {
  return {
    kind: 'prometheus',
    // async: a connection-details URL that is refused (targetFor) is a rejection, like every failure.
    testConnection: async (context) => testConnection(targetFor(options, context.connectionDetails), context),
    fieldNames: async (query, context) =>
      fieldNames(targetFor(options, context.connectionDetails), query, context),
    fieldValues: async (query, context) =>
      fieldValues(targetFor(options, context.connectionDetails), query, context),
    metrics: async (query, context) => metrics(targetFor(options, context.connectionDetails), query, context),
    catalog: () => ({ dimensions: {}, metrics: [] }),
    setIncidents: () => {},
  };
}

/** The registry's `create`: options from the settings or the command line, all strings. */
export const createPrometheusFromSetting = (options: Readonly<Record<string, string>>): TelemetrySource =>
  createPrometheusSource({
    url: options.url ?? '',
    bearerToken: options.bearerToken,
    username: options.username,
    password: options.password,
    allowedUrls: options.allowedUrls,
    ...backendOptionsFromSetting(options),
  });

// ---------- metrics ----------

async function metrics(
  target: PrometheusTarget,
  query: MetricsQuery,
  context: SourceContext,
): Promise<MetricsResponse> {
  const { startTime, endTime, aggregation } = query;
  if (startTime >= endTime) return emptyResponse(query);
  // Refuse impossible bucket sizes before asking Prometheus anything.
  const buckets = aggregation ? checkedBuckets(startTime, endTime, aggregation.bucketSizeMillis) : null;
  const selection = selectionOf(query.conditions);
  if (!selection) return emptyResponse(query);
  // The Select field (metricField): `value` or none is the sample value of the metric the
  // conditions choose; a metric's name chooses that metric; any other label, `__name__` included,
  // is counted: one event (value 1) per sample of each matching series that carries it.
  const metricField = query.metricField ?? '';
  const chosen = metricNamesOf(selection.matchers);
  let counted: string | null = null;
  const matchers = [...selection.matchers];
  if (metricField !== '' && metricField !== VALUE_FIELD) {
    if (metricField === NAME_LABEL || (chosen !== null && !chosen.includes(metricField))) {
      if (!isLabelName(metricField)) return emptyResponse(query);
      counted = metricField;
      if (metricField !== NAME_LABEL) matchers.push(hasLabelMatcher(metricField));
    } else {
      matchers.push(nameMatcher(metricField));
    }
  }
  const names = counted ? [] : metricNamesOf(matchers);
  if (names === null) {
    throw remoteMirrorError(
      'Which metric?',
      'Choose the metric with a filter __name__ = <metric name>, or name the metric as the Select field (metricField).',
    );
  }
  if (!counted && names.length === 0) return emptyResponse(query);
  if (names.length > MAX_METRICS) {
    throw remoteMirrorError('Too many metrics', `One query pools at most ${MAX_METRICS} metric names.`);
  }
  const counters = new Set(await counterNames(target, names, context));
  if (counters.size > 0) {
    context.note({
      id: 'counter-as-rate',
      severity: 'info',
      message: `${[...counters].join(', ')} ${counters.size === 1 ? 'is a counter' : 'are counters'}: served as per-second rates (increase between consecutive samples; a reset counts from 0).`,
    });
  }
  let selector = selectorText(matchers);
  const from = startTime - (counters.size > 0 ? COUNTER_LOOKBACK_MILLIS : 0);
  let end = endTime;
  let cut = false;
  let count = await sampleCount(target, selector, from, end, context);
  if (count === 0 && chosen === null && counted === null && metricField !== '' && isLabelName(metricField)) {
    // No metric of that name here: the Select field is a label of the series the conditions match.
    counted = metricField;
    selector = selectorText([...selection.matchers, hasLabelMatcher(metricField)]);
    count = await sampleCount(target, selector, from, end, context);
  }
  if (count > MAX_SAMPLES) {
    if (buckets) throw tooManySamples(count, endTime - startTime);
    // Raw: answer an earlier part of the window, and say the answer is partial.
    end = Math.max(startTime + 1, from + Math.floor(((end - from) * MAX_SAMPLES) / count));
    cut = true;
  }
  const { series: fetched, dropped } = await fetchSamples(target, selector, from, end, context);
  if (dropped > 0) {
    context.note({
      id: 'non-finite-dropped',
      severity: 'info',
      message: `${dropped} NaN or infinite sample(s) left out: JSON cannot carry them.`,
    });
  }
  const series = fetched.map((s) =>
    counted
      ? asEvents(samplesFrom(s, startTime))
      : counters.has(s.labels[NAME_LABEL] ?? '')
        ? asRates(s, startTime)
        : samplesFrom(s, startTime),
  );
  if (series.every((s) => s.times.length === 0) && !buckets) return rawResponse([], cut);
  if (!buckets || !aggregation) {
    const { items, isPartial } = takeFirst(mergedPoints(series), Math.min(query.limit, RAW_POINT_CAP));
    return rawResponse(items, isPartial || cut);
  }
  // No series at all is no data, not a run of empty buckets: even SUM gets no zeros.
  if (series.length === 0) return emptyResponse(query);
  const points = bucketPoints(buckets, bucketValues(series, buckets, aggregation.method));
  const { items, isPartial } = takeFirst(points, query.limit);
  return aggregatedResponse(items, isPartial);
}

/** A series read as events: each sample counts 1, whatever its value. */
const asEvents = (series: Series): Series => ({ ...series, values: series.values.map(() => 1) });

/** Which of `names` are counters: by Prometheus's metadata, otherwise by a `_total` suffix. */
async function counterNames(
  target: PrometheusTarget,
  names: string[],
  context: SourceContext,
): Promise<string[]> {
  const typeOf = async (name: string): Promise<string | undefined> => {
    const data = await apiGet(target, 'metadata', new URLSearchParams({ metric: name }), context);
    if (!isRecord(data)) throw remoteMirrorError('Prometheus answered its metadata with something else.');
    const entries = data[name];
    const first = Array.isArray(entries) ? entries.find(isRecord) : undefined;
    return typeof first?.type === 'string' ? first.type : undefined;
  };
  const isCounter = async (name: string): Promise<boolean> => {
    const type = await typeOf(name);
    if (type !== undefined && type !== 'unknown') return type === 'counter';
    const family = /^(.+)_(count|sum|bucket)$/.exec(name)?.[1];
    if (family) {
      const familyType = await typeOf(family);
      if (familyType === 'histogram' || familyType === 'summary') return true;
    }
    return name.endsWith('_total');
  };
  const verdicts = await Promise.all(names.map(isCounter));
  return names.filter((_, i) => verdicts[i]);
}
