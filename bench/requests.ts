// The demo requests the bench sends: the same queries, fixed to one "now", so that an answer can be
// kept and compared, and moving windows that never repeat.
import { createTelemetrySource } from '../server/telemetry';
import { NATIVE_STEP_MILLIS } from '../server/telemetry/grid';
import type { BenchRequest } from './load';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

// A fixed "now", rounded to the minute, so every request of a kind gets the same answer.
export const NOW = Math.floor(Date.now() / 60_000) * 60_000;
export const demo = createTelemetrySource({ kind: 'demo' });
const catalog = demo.catalog();
const metricField = catalog.metrics[0] ?? 'cpu.usage';
export const [dimension = 'host', values = []] = Object.entries(catalog.dimensions)[0] ?? [];
const oneSeries = [
  { _type: 'EqualityCondition', key: dimension, value: { _type: 'StringValue', value: values[0] ?? '' } },
];

export const json = (path: string, body: unknown): BenchRequest => ({ path, body: JSON.stringify(body) });

/** The metric query over `windowMillis` up to NOW, moved `earlierMillis` back. */
export const metricBody = (windowMillis: number, bucketSizeMillis: number, earlierMillis = 0) => ({
  _type: 'MetricsRequest',
  connectionDetails: {},
  query: {
    _type: 'MetricsQuery',
    conditions: oneSeries,
    metricField,
    startTime: NOW - earlierMillis - windowMillis,
    endTime: NOW - earlierMillis,
    aggregation: { _type: 'Aggregation', method: 'MEAN', bucketSizeMillis },
  },
});
export const metricRequest = (windowMillis: number, bucketSizeMillis: number, earlierMillis = 0) =>
  json('/api/metric', metricBody(windowMillis, bucketSizeMillis, earlierMillis));

/**
 * The same query over windows 10 s apart: sent in turn, no answer repeats before a thousand others,
 * far more than the answers the mirror keeps (8 MiB, about 120 of 1,440 points).
 */
export const MOVING_WINDOWS = 1000;
export const movingWindows = (windowMillis: number, bucketSizeMillis: number) =>
  Array.from({ length: MOVING_WINDOWS }, (_, i) =>
    metricRequest(windowMillis, bucketSizeMillis, i * NATIVE_STEP_MILLIS),
  );

export const CONNECTION = json('/api/connection', { _type: 'TestConnectionRequest', connectionDetails: {} });
export const DAY_OF_MINUTES = metricRequest(DAY, 60_000);
export const DAYS_OF_MINUTES = movingWindows(DAY, 60_000);
