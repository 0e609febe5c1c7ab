import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { AGGREGATION_METHODS, type AggregationMethod } from '../../server/protocol/messages';
import {
  aggregate,
  bucketCount,
  bucketPoints,
  firstPartEnd,
  percentile,
  tumblingBuckets,
} from '../../server/telemetry/aggregate';
import { assertClose, PROMISED_BUCKETS } from './helpers';

/** The methods, written as plainly as possible: sort, sum, count, index. */
function reference(method: AggregationMethod, values: number[]): number | undefined {
  const n = values.length;
  let sum = 0;
  for (const v of values) sum += v;
  if (method === 'SUM') return sum;
  if (method === 'EVENT_COUNT') return n;
  if (n === 0) return undefined;
  if (method === 'SUM_NO_ZEROS') return sum;
  if (method === 'EVENT_COUNT_NO_ZEROS') return n;
  if (method === 'MEAN') return sum / n;
  const sorted = [...values].sort((a, b) => a - b);
  if (method === 'MIN') return sorted[0];
  if (method === 'MAX') return sorted[n - 1];
  const p = Number(method.replace('PERCENTILE_', '')) / 100;
  const rank = (n - 1) * p;
  const below = Math.floor(rank);
  const above = Math.min(below + 1, n - 1);
  return sorted[below]! + (rank - below) * (sorted[above]! - sorted[below]!);
}

const sampleValue = fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true });
const method = fc.constantFrom(...AGGREGATION_METHODS);

describe('aggregation methods', () => {
  it('every method agrees with the plain reference, empty lists included', () => {
    fc.assert(
      fc.property(method, fc.array(sampleValue, { maxLength: 60 }), (m, values) => {
        assertClose(aggregate(m, values), reference(m, values), `${m} of ${values}`);
      }),
      { numRuns: 2000 },
    );
  });

  it('an empty bucket is 0 for SUM and EVENT_COUNT and has no value for every other method', () => {
    for (const m of AGGREGATION_METHODS) {
      const expected = m === 'SUM' || m === 'EVENT_COUNT' ? 0 : undefined;
      assert.equal(aggregate(m, []), expected, m);
    }
  });

  it('a single value is its own mean, min, max, percentiles and sum, and counts as 1', () => {
    fc.assert(
      fc.property(method, sampleValue, (m, value) => {
        const expected = m === 'EVENT_COUNT' || m === 'EVENT_COUNT_NO_ZEROS' ? 1 : value;
        assertClose(aggregate(m, [value]), expected, m);
      }),
    );
  });

  it('percentiles interpolate linearly between closest ranks (NumPy default, Excel PERCENTILE.INC)', () => {
    // Values checked against numpy.percentile.
    assert.equal(percentile([1, 2, 3, 4], 0.25), 1.75);
    assert.equal(percentile([4, 1, 3, 2], 0.5), 2.5);
    assertClose(percentile([1, 2, 3, 4], 0.9), 3.7);
    assert.equal(aggregate('PERCENTILE_50', [15, 20, 35, 40, 50]), 35);
    assert.equal(aggregate('PERCENTILE_25', [15, 20, 35, 40, 50]), 20);
    assertClose(aggregate('PERCENTILE_90', [15, 20, 35, 40, 50]), 46);
    assertClose(aggregate('PERCENTILE_99', [0, 100]), 99);
    assert.equal(percentile([], 0.5), undefined);
  });

  it('the NO_ZEROS variants keep real zero values: only a missing bucket is left out', () => {
    assert.equal(aggregate('SUM_NO_ZEROS', [0, 0]), 0);
    assert.equal(aggregate('EVENT_COUNT_NO_ZEROS', [0, 0]), 2);
  });

  it('weighted samples give exactly the result over the list with each value repeated weight times', () => {
    const weighted = fc.array(fc.record({ value: sampleValue, weight: fc.integer({ min: 1, max: 6 }) }), {
      maxLength: 25,
    });
    fc.assert(
      fc.property(method, weighted, (m, samples) => {
        const expanded = samples.flatMap(({ value, weight }) => Array<number>(weight).fill(value));
        const values = samples.map((s) => s.value);
        const weights = samples.map((s) => s.weight);
        assertClose(aggregate(m, values, weights), reference(m, expanded), m);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('tumbling buckets', () => {
  const window = fc
    .record({
      startTime: fc.integer({ min: 0, max: 2_000_000_000_000 }),
      width: fc.integer({ min: 0, max: 10_000_000 }),
      size: fc.integer({ min: 1, max: 5_000_000 }),
    })
    .filter(({ width, size }) => width / size <= 20_000);

  it('tile [startTime, endTime) without gap or overlap, ceil(window / size) of them, never past endTime', () => {
    fc.assert(
      fc.property(window, ({ startTime, width, size }) => {
        const endTime = startTime + width;
        const buckets = tumblingBuckets(startTime, endTime, size);
        assert.equal(buckets.length, Math.ceil(width / size));
        assert.equal(buckets.length, bucketCount(startTime, endTime, size));
        if (width === 0) return;
        assert.equal(buckets[0]!.start, startTime);
        assert.equal(buckets.at(-1)!.end, endTime);
        buckets.forEach((bucket, i) => {
          assert.ok(bucket.start < bucket.end, 'no empty bucket');
          assert.ok(bucket.end <= endTime);
          assert.equal(bucket.start, startTime + i * size, 'aligned to startTime');
          if (i < buckets.length - 1) {
            assert.equal(bucket.end, buckets[i + 1]!.start, 'adjacent');
            assert.equal(bucket.end - bucket.start, size, 'full size but the last');
          } else {
            assert.ok(bucket.end - bucket.start <= size);
          }
        });
      }),
    );
  });

  it('keep the last partial bucket, ending at endTime', () => {
    assert.deepEqual(tumblingBuckets(1000, 3500, 1000), [
      { start: 1000, end: 2000 },
      { start: 2000, end: 3000 },
      { start: 3000, end: 3500 },
    ]);
  });

  it('are none for an empty or inverted window', () => {
    assert.deepEqual(tumblingBuckets(5000, 5000, 1000), []);
    assert.deepEqual(tumblingBuckets(6000, 5000, 1000), []);
  });

  it(`end the first answer after PROMISED_BUCKETS (${PROMISED_BUCKETS}) whole buckets, on a bucket edge`, () => {
    assert.equal(firstPartEnd(0, PROMISED_BUCKETS * 10, 10), PROMISED_BUCKETS * 10);
    assert.equal(firstPartEnd(0, PROMISED_BUCKETS * 10 + 1, 10), PROMISED_BUCKETS * 10);
    assert.equal(firstPartEnd(7, 86_400_007, 1000), 7 + PROMISED_BUCKETS * 1000);
    assert.equal(firstPartEnd(0, 100, 10, 3), 30);
  });

  it('give one point per bucket with a value, in order, as [value, start, end]', () => {
    const buckets = tumblingBuckets(0, 40, 10);
    const points = [...bucketPoints(buckets, (b) => (b.start === 10 ? undefined : b.start / 10))];
    assert.deepEqual(points, [
      [0, 0, 10],
      [2, 20, 30],
      [3, 30, 40],
    ]);
  });
});
