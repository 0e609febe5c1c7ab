// Shared test helpers for the telemetry sources.
import assert from 'node:assert/strict';
import type { ExchangeFinding } from '../../server/protocol/exchange';
import type {
  AggregatedPoint,
  EqualityCondition,
  FieldValuesQuery,
  MetricsQuery,
  MetricsResponse,
  RawPoint,
} from '../../server/protocol/messages';
import { INT_MAX } from '../../server/protocol/messages';
import type { InstantAnswers } from '../../server/telemetry/instant-source';
import type { Incident, SourceContext } from '../../server/telemetry/source';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Monday 15 January 2024, 00:00 UTC: the demo tests' fixed day. */
export const T0 = Date.UTC(2024, 0, 15);

/** Equal up to floating-point rounding (and +0 equals -0); `undefined` only equals `undefined`. */
export function assertClose(
  actual: number | undefined,
  expected: number | undefined,
  message?: string,
): void {
  if (actual === undefined || expected === undefined) {
    assert.equal(actual, expected, message);
    return;
  }
  const tolerance = 1e-9 * Math.max(1, Math.abs(actual), Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tolerance, `${message ?? ''} ${actual} ≠ ${expected}`);
}

/** A metrics query with the mirror's defaults filled in. */
export function metricsQuery(
  query: Partial<MetricsQuery> & Pick<MetricsQuery, 'startTime' | 'endTime'>,
): MetricsQuery {
  return { conditions: [], limit: INT_MAX, ...query };
}

export function fieldValuesQuery(fieldName: string, query: Partial<FieldValuesQuery> = {}): FieldValuesQuery {
  return {
    conditions: [],
    field: { _type: 'FieldDescriptor', fieldName, fieldType: 'STRING', classified: false },
    fieldValuePrefix: '',
    startTime: 1504174208940,
    endTime: 1505124608940,
    limit: INT_MAX,
    offset: 0,
    ...query,
  };
}

export const stringIs = (key: string, value: string): EqualityCondition => ({
  _type: 'EqualityCondition',
  key,
  value: { _type: 'StringValue', value },
});

export function rawPointsOf(response: MetricsResponse): RawPoint[] {
  assert.equal(response.telemetry._type, 'RawMetricTelemetry');
  assert.deepEqual(response.telemetry.dataFormat, ['value', 'timestamp']);
  return response.telemetry.points as RawPoint[];
}

export function aggregatedPointsOf(response: MetricsResponse): AggregatedPoint[] {
  assert.equal(response.telemetry._type, 'AggregatedMetricTelemetry');
  assert.deepEqual(response.telemetry.dataFormat, ['value', 'startTimestamp', 'endTimestamp']);
  return response.telemetry.points as AggregatedPoint[];
}

export function rawPoints(source: InstantAnswers, query: Parameters<typeof metricsQuery>[0]): RawPoint[] {
  return rawPointsOf(source.metrics(metricsQuery(query)));
}

export function aggregatedPoints(
  source: InstantAnswers,
  query: Parameters<typeof metricsQuery>[0],
): AggregatedPoint[] {
  return aggregatedPointsOf(source.metrics(metricsQuery(query)));
}

/**
 * A whole aggregated window as StackState assembles it from partial answers: each follow-up starts
 * at the previous answer's last point's end (mirror-api.md §4.4). Also returns how many answers it took.
 */
export function aggregatedFollowUps(
  source: InstantAnswers,
  query: Parameters<typeof metricsQuery>[0],
): { points: AggregatedPoint[]; answers: number } {
  const points: AggregatedPoint[] = [];
  let answers = 0;
  let startTime = query.startTime;
  while (true) {
    const response = source.metrics(metricsQuery({ ...query, startTime }));
    answers++;
    const part = aggregatedPointsOf(response);
    points.push(...part);
    if (!response.telemetry.isPartial) return { points, answers };
    assert.ok(
      part.length > 0,
      `a partial answer from ${new Date(startTime).toISOString()} has no last point`,
    );
    startTime = part.at(-1)![2];
  }
}

/** web-1's requests.rate tripled for 3 minutes from `startMillis`: the incident the demo tests use. */
export const requestSpikeOnWeb1 = (startMillis: number): Incident => ({
  id: 'spike',
  series: { host: 'web-1' },
  metric: 'requests.rate',
  startMillis,
  durationMillis: 3 * MINUTE,
  factor: 3,
});

/** What a source is called with in these tests: no connection details, a signal never fired, notes to `note`. */
export const sourceContext = (note: (finding: ExchangeFinding) => void): SourceContext => ({
  connectionDetails: {},
  signal: new AbortController().signal,
  note,
});

/** The buckets one answer holds, as the README and docs/prometheus.md promise (written out: a changed limit must fail here). */
export const PROMISED_BUCKETS = 10_000;
