// Protocol-shaped metric responses (mirror-api.md §4.4), built in one place so every source
// sends the exact `_type` and `dataFormat` StackState expects.
import type { AggregatedPoint, MetricsQuery, MetricsResponse, RawPoint } from '../mirror/protocol';

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
