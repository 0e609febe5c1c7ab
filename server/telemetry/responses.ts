// Protocol-shaped metric responses (mirror-api.md §4.4), built in one place so every source
// sends the exact `_type` and `dataFormat` StackState expects.
import type {
  AggregatedPoint,
  FieldDescriptor,
  FieldNamesQuery,
  FieldNamesResponse,
  MetricsQuery,
  MetricsResponse,
  RawPoint,
  TestConnectionResponse,
} from '../protocol/messages';
import { takeFirst } from './page';

/** A source with nothing to check behind it is always reachable. */
export const connectionOk = (): TestConnectionResponse => ({ _type: 'TestConnectionResponse', status: 'OK' });

/** The field names of a source whose fields are fixed, cut to the query's limit. */
export const fixedFieldNames =
  (fields: readonly FieldDescriptor[]) =>
  (query: FieldNamesQuery): FieldNamesResponse => {
    const { items, isPartial } = takeFirst(fields, query.limit);
    return { _type: 'FieldNamesResponse', fields: items, isPartial };
  };

export function rawResponse(points: RawPoint[], isPartial: boolean): MetricsResponse {
  return {
    _type: 'MetricsResponse',
    telemetry: { _type: 'RawMetricTelemetry', dataFormat: ['value', 'timestamp'], points, isPartial },
  };
}

export function aggregatedResponse(points: AggregatedPoint[], isPartial: boolean): MetricsResponse {
  return {
    _type: 'MetricsResponse',
    telemetry: {
      _type: 'AggregatedMetricTelemetry',
      dataFormat: ['value', 'startTimestamp', 'endTimestamp'],
      points,
      isPartial,
    },
  };
}

/** No points, in the shape the query asked for (aggregated when `aggregation` is present and not null). */
export function emptyResponse(query: MetricsQuery): MetricsResponse {
  return query.aggregation ? aggregatedResponse([], false) : rawResponse([], false);
}
