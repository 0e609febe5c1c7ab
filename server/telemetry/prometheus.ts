// The "prometheus" data source: a Prometheus server's data (or any backend that serves its HTTP API:
// Mimir, Cortex, Thanos, VictoriaMetrics), served over the mirror protocol. The mapping
// (docs/prometheus.md and docs/prometheus-backends.md say it for users):
//
// - Test Connection (prometheus-readiness.ts): an instant query of `1`; readiness pages explain a
//   failure. Field names and field values: prometheus-fields.ts.
// - Conditions: a series selector (prometheus-selector.ts), every value escaped.
// - Metric answers: prometheus-metrics.ts (the metric, counters, computed in Prometheus where it
//   pools exactly, pooling said in the log).
// - Calls, their time-out, headers and bounded parsing: prometheus-client.ts, backend.ts.
// - Failures: unreachable, timing out, 401/403 or "unavailable" → MetricStoreConnectionError;
//   a query Prometheus rejects → RemoteMirrorError with its message; garbage → RemoteMirrorError.
import { backendOptionsFromSetting } from './prometheus-backend-options';
import { type PrometheusOptions, targetFor } from './prometheus-client';
import { fieldNames, fieldValues } from './prometheus-fields';
import { type AggregateIn, metrics } from './prometheus-metrics';
import { testConnection } from './prometheus-readiness';
import type { TelemetrySource } from './source';

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
    ...backendOptionsFromSetting(options),
  });
