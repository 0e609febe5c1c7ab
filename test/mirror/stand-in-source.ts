// A stand-in TelemetrySource for the mirror's HTTP tests, so they exercise the plugin on its own,
// independent of the real sources in server/telemetry (those are covered in real-source.test.ts).
// It answers like the tutorial's sample mirror S1 (mirror-api.md §11), deterministically, and has
// a few switches to make it fail in each way a source can.
import type {
  AggregatedPoint,
  FieldDescriptor,
  MetricsQuery,
  MetricsResponse,
  RawPoint,
  ValueDescriptor,
} from '../../server/protocol/messages';
import { aggregatedResponse } from '../../server/telemetry/responses';
import { TelemetryError, type TelemetrySource } from '../../server/telemetry/source';

/** `metricField` values that make the stand-in fail. */
export const MISSING_METRIC = 'no.such.metric';
export const FORBIDDEN_METRIC = 'forbidden.metric';
export const CRASHING_METRIC = 'crashing.metric';

/** S1's fixed field list (§11.2). */
export const STAND_IN_FIELDS: FieldDescriptor[] = [
  { _type: 'FieldDescriptor', fieldName: 'field1', fieldType: 'STRING', classified: false },
  { _type: 'FieldDescriptor', fieldName: 'field2', fieldType: 'BOOLEAN', classified: false },
  { _type: 'FieldDescriptor', fieldName: 'field3', fieldType: 'NUMBER', classified: false },
];

/** S1's fixed value list (§11.3); the stand-in filters it by prefix. */
const VALUES: ValueDescriptor[] = [
  { _type: 'CompleteValue', value: 'value1' },
  { _type: 'FieldValuePattern', value: 'cpu.*' },
];

const RAW_STEP_MILLIS = 60_000;

/** A value that depends only on the timestamp, so any test can predict it. */
export const standInValue = (timestamp: number) => (timestamp / RAW_STEP_MILLIS) % 100;

export function createStandInSource(): TelemetrySource {
  return {
    kind: 'tutorial',
    testConnection: async ({ connectionDetails }) =>
      connectionDetails.simulateFailure === true
        ? {
            _type: 'TestConnectionResponse',
            status: 'FAILURE',
            error: { _type: 'MetricStoreConnectionError', details: "Prometheus isn't healthy." },
          }
        : { _type: 'TestConnectionResponse', status: 'OK' },
    fieldNames: async (query) => ({
      _type: 'FieldNamesResponse',
      fields: STAND_IN_FIELDS.slice(0, query.limit),
      isPartial: query.limit < STAND_IN_FIELDS.length,
    }),
    fieldValues: async (query) => {
      const matching = VALUES.filter(({ value }) => value.startsWith(query.fieldValuePrefix));
      const page = matching.slice(query.offset, query.offset + query.limit);
      return {
        _type: 'FieldValuesResponse',
        values: page,
        isPartial: query.offset + page.length < matching.length,
      };
    },
    metrics: async (query) => metrics(query),
    catalog: () => ({ dimensions: { field1: ['value1'] }, metrics: ['field3'] }),
    setIncidents: () => {},
  };
}

function metrics(query: MetricsQuery): MetricsResponse {
  if (query.metricField === MISSING_METRIC) {
    throw new TelemetryError({
      _type: 'MetricNotFoundError',
      metric: MISSING_METRIC,
      details: 'Metric is not configured.',
    });
  }
  if (query.metricField === FORBIDDEN_METRIC) {
    throw new TelemetryError({ _type: 'MetricStoreConnectionError', details: 'The store said 403.' }, 403);
  }
  if (query.metricField === CRASHING_METRIC) {
    throw new Error('stand-in crashed');
  }
  const { aggregation } = query;
  if (aggregation) {
    const points: AggregatedPoint[] = [];
    for (let start = query.startTime; start < query.endTime && points.length < query.limit; ) {
      const end = Math.min(start + aggregation.bucketSizeMillis, query.endTime);
      points.push([standInValue(start), start, end]);
      start = end;
    }
    return aggregatedResponse(
      points,
      points.length === query.limit && (points.at(-1)?.[2] ?? query.endTime) < query.endTime,
    );
  }
  const points: RawPoint[] = [];
  const first = Math.ceil(query.startTime / RAW_STEP_MILLIS) * RAW_STEP_MILLIS;
  for (
    let timestamp = first;
    timestamp < query.endTime && points.length < query.limit;
    timestamp += RAW_STEP_MILLIS
  ) {
    points.push([standInValue(timestamp), timestamp]);
  }
  const last = points.at(-1)?.[1];
  return {
    _type: 'MetricsResponse',
    telemetry: {
      _type: 'RawMetricTelemetry',
      dataFormat: ['value', 'timestamp'],
      points,
      isPartial: last !== undefined && last + RAW_STEP_MILLIS < query.endTime,
    },
  };
}
