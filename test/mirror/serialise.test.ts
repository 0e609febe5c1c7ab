// The metric answer's hand-made serialiser writes exactly what JSON.stringify writes, for every
// kind of number a source can put in a point, and leaves what it does not know to JSON.stringify.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serialiseMetricsAnswer } from '../../server/mirror/serialise';

/** Numbers of every shape: large epoch millis, around the split at 10^9 and 10^15, fractions, signs. */
function someNumber(random: () => number): number {
  const kinds = [
    () => 1_600_000_000_000 + Math.floor(random() * 1e12),
    () => 999_999_999 + Math.floor(random() * 3),
    () => 1e15 - 1 - Math.floor(random() * 3),
    () => 1e15 + Math.floor(random() * 3),
    () => 1_000_000_000 + Math.floor(random() * 1e6) * 1e6,
    () => (random() - 0.5) * 1e3,
    () => -Math.floor(random() * 1e13),
    () => random() * 1e-7,
    () => 1e21 * random(),
    () => -0,
    () => 0,
    () => Math.floor(random() * 100),
  ];
  return (kinds[Math.floor(random() * kinds.length)] as () => number)();
}

/** A small seeded generator, so a failure can be run again. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

test('aggregated and raw answers come out exactly as JSON.stringify writes them', () => {
  for (let seed = 1; seed <= 200; seed++) {
    const random = seeded(seed);
    const width = random() < 0.5 ? 2 : 3;
    const points = Array.from({ length: Math.floor(random() * 50) }, () =>
      Array.from({ length: width }, () => someNumber(random)),
    );
    const answer = {
      _type: 'MetricsResponse',
      telemetry: {
        _type: width === 3 ? 'AggregatedMetricTelemetry' : 'RawMetricTelemetry',
        dataFormat: width === 3 ? ['value', 'startTimestamp', 'endTimestamp'] : ['value', 'timestamp'],
        points,
        isPartial: random() < 0.5,
      },
    };
    assert.equal(serialiseMetricsAnswer(answer), JSON.stringify(answer), `seed ${seed}`);
  }
});

test('what it does not recognise is JSON.stringify’d: non-finite values, odd shapes, extra keys, errors', () => {
  const odd: unknown[] = [
    { telemetry: { points: [[Number.NaN, 1]] } },
    { telemetry: { points: [[Number.POSITIVE_INFINITY, 1_700_000_000_000]] } },
    { telemetry: { points: [['1', 1]] } },
    { telemetry: { points: [{ value: 1 }] } },
    { telemetry: { points: 'none' } },
    { telemetry: { isPartial: true } },
    { _type: 'MetricNotFoundError', metric: 'x', details: null },
    { extra: '\u0000points\u0000', telemetry: { before: 1, points: [[1, 2]], after: [] } },
    null,
    [1, 2],
  ];
  for (const value of odd) assert.equal(serialiseMetricsAnswer(value), JSON.stringify(value));
});
