// The "prometheus" data source: a Prometheus server's data, served over the mirror protocol
// through Prometheus's HTTP API. The mapping (docs/prometheus.md says it for users):
//
// - Test Connection: GET /-/ready. 200 is OK; anything else, or no answer, is FAILURE with a
//   sentence naming the URL and the cause.
// - Field names: `__name__` and every label name of the series that match the conditions in the
//   window (/api/v1/labels with match[], start, end), all STRING, then `value` (NUMBER), cut to
//   `limit`. A label named `value` is hidden by the synthetic field.
// - Field values: /api/v1/label/<field>/values with match[] from the other conditions and the
//   window (metric names for `__name__`); then the prefix, `offset`, `limit` and `isPartial`.
//   `value` and names that are not label names have no values.
// - Conditions: a series selector (prometheus-selector.ts), every value escaped.
// - Metric answers: prometheus-metrics.ts (the metric, counters, computed in Prometheus where it
//   pools exactly, pooling said in the log); docs/prometheus.md says it for users.
// - Failures: unreachable, timing out, 401/403 or "unavailable" → MetricStoreConnectionError;
//   a query Prometheus rejects → RemoteMirrorError with its message; garbage → RemoteMirrorError.
import type {
  FieldDescriptor,
  FieldNamesQuery,
  FieldNamesResponse,
  FieldValuesQuery,
  FieldValuesResponse,
  TestConnectionResponse,
  ValueDescriptor,
} from '../mirror/protocol';
import { takeFirst } from './page';
import {
  apiGet,
  getPlain,
  type PrometheusOptions,
  type PrometheusTarget,
  promSeconds,
  shownUrl,
  stringList,
  targetFor,
} from './prometheus-client';
import { type AggregateIn, metrics } from './prometheus-metrics';
import {
  isLabelName,
  type Matcher,
  NAME_LABEL,
  selectionOf,
  selectorText,
  VALUE_FIELD,
} from './prometheus-selector';
import { type SourceContext, TelemetryError, type TelemetrySource } from './source';

export { MAX_METRICS, RAW_POINT_CAP } from './prometheus-metrics';

export function createPrometheusSource(
  options: PrometheusOptions & { aggregateIn?: AggregateIn },
): TelemetrySource {
  return {
    kind: 'prometheus',
    // async: a connection-details URL that is refused (targetFor) is a rejection, like every failure.
    testConnection: async (context) => testConnection(targetFor(options, context.connectionDetails), context),
    fieldNames: async (query, context) =>
      fieldNames(targetFor(options, context.connectionDetails), query, context),
    fieldValues: async (query, context) =>
      fieldValues(targetFor(options, context.connectionDetails), query, context),
    metrics: async (query, context) =>
      metrics(targetFor(options, context.connectionDetails), query, context, options.aggregateIn),
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
  });

// ---------- Test Connection ----------

async function testConnection(
  target: PrometheusTarget,
  context: SourceContext,
): Promise<TestConnectionResponse> {
  const failure = (details: string): TestConnectionResponse => ({
    _type: 'TestConnectionResponse',
    status: 'FAILURE',
    error: { _type: 'MetricStoreConnectionError', details },
  });
  try {
    const { status, text } = await getPlain(target, '-/ready', context);
    if (status === 200) return { _type: 'TestConnectionResponse', status: 'OK' };
    const said = text.trim().split('\n')[0]?.slice(0, 120) ?? '';
    const cause =
      status === 401 || status === 403
        ? `it refused the mirror's credentials (HTTP ${status})`
        : `it is not ready (HTTP ${status}${said ? `: ${said}` : ''})`;
    return failure(`Prometheus at ${shownUrl(target)} cannot serve queries: ${cause}.`);
  } catch (error) {
    if (context.signal.aborted) throw error;
    if (error instanceof TelemetryError && error.body._type === 'MetricStoreConnectionError') {
      return failure(error.body.details);
    }
    throw error;
  }
}

// ---------- fields ----------

const descriptor = (fieldName: string, fieldType: FieldDescriptor['fieldType']): FieldDescriptor => ({
  _type: 'FieldDescriptor',
  fieldName,
  fieldType,
  classified: false,
});

/** `match[]`, `start` and `end` for the metadata endpoints (no match[] when nothing narrows). */
function windowParams(matchers: readonly Matcher[], start: number, end: number): URLSearchParams {
  const params = new URLSearchParams();
  if (matchers.length > 0) params.append('match[]', selectorText(matchers));
  params.set('start', promSeconds(start));
  params.set('end', promSeconds(Math.max(start, end)));
  return params;
}

async function fieldNames(
  target: PrometheusTarget,
  query: FieldNamesQuery,
  context: SourceContext,
): Promise<FieldNamesResponse> {
  const selection = selectionOf(query.conditions);
  const labels = selection
    ? stringList(
        await apiGet(
          target,
          'labels',
          windowParams(selection.matchers, query.startTime, query.endTime),
          context,
        ),
        target,
      )
    : [];
  const names = [...new Set(labels)].filter((l) => l !== NAME_LABEL && l !== VALUE_FIELD).sort(byCodeUnit);
  const fields = [
    descriptor(NAME_LABEL, 'STRING'),
    ...names.map((name) => descriptor(name, 'STRING')),
    descriptor(VALUE_FIELD, 'NUMBER'),
  ];
  const { items, isPartial } = takeFirst(fields, query.limit);
  return { _type: 'FieldNamesResponse', fields: items, isPartial };
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function fieldValues(
  target: PrometheusTarget,
  query: FieldValuesQuery,
  context: SourceContext,
): Promise<FieldValuesResponse> {
  const field = query.field.fieldName;
  const selection = selectionOf(query.conditions.filter((c) => c.key !== field));
  let values: string[] = [];
  if (selection && field !== VALUE_FIELD && isLabelName(field)) {
    const params = windowParams(selection.matchers, query.startTime, query.endTime);
    values = stringList(await apiGet(target, `label/${field}/values`, params, context), target);
  }
  const matching = [...new Set(values)]
    .filter((v) => v.startsWith(query.fieldValuePrefix))
    .sort(byCodeUnit)
    .map((value): ValueDescriptor => ({ _type: 'CompleteValue', value }));
  const { items, isPartial } = takeFirst(matching.slice(query.offset), query.limit);
  return { _type: 'FieldValuesResponse', values: items, isPartial };
}
