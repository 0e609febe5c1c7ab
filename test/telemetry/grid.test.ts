import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  alwaysOnline,
  DAY_MILLIS,
  dailyOutage,
  type IndexRange,
  NATIVE_STEP_MILLIS,
  sampleIndices,
} from '../../server/telemetry/grid';

const HOUR = 3_600_000;
const outage = dailyOutage(3 * HOUR, HOUR / 2);
const isInOutage = (t: number) => {
  const intoDay = t % DAY_MILLIS;
  return intoDay >= 3 * HOUR && intoDay < 3.5 * HOUR;
};
const time = fc.integer({ min: 0, max: 4_000_000_000_000 });

describe('the native grid', () => {
  it('always-online series have a sample at every whole second', () => {
    assert.equal(alwaysOnline.countBefore(0), 0);
    assert.equal(alwaysOnline.countBefore(1), 1);
    assert.equal(alwaysOnline.countBefore(1000), 1);
    assert.equal(alwaysOnline.countBefore(1001), 2);
    assert.equal(alwaysOnline.timeOf(1_700_000_000), 1_700_000_000_000);
  });

  it('a daily outage: every online index maps to a time outside the outage, and back', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), (index) => {
        const t = outage.timeOf(index);
        assert.equal(t % NATIVE_STEP_MILLIS, 0);
        assert.ok(!isInOutage(t), `${new Date(t).toISOString()} is in the outage`);
        assert.equal(outage.countBefore(t), index);
        assert.ok(outage.timeOf(index + 1) > t);
      }),
    );
  });

  it('a daily outage: counts agree with a second-by-second count', () => {
    fc.assert(
      fc.property(time, fc.integer({ min: 0, max: 2 * HOUR }), (from, width) => {
        // Near the outage half the time, so both edges get exercised.
        const start =
          from % 2 === 0 ? from - (from % DAY_MILLIS) + 3 * HOUR - HOUR / 2 + (from % HOUR) : from;
        let expected = 0;
        for (let t = Math.ceil(start / 1000) * 1000; t < start + width; t += 1000)
          if (!isInOutage(t)) expected++;
        assert.equal(outage.countBefore(start + width) - outage.countBefore(start), expected);
      }),
      { numRuns: 60 },
    );
  });

  it('a day holds 86400 samples, or 84600 with a 30-minute outage', () => {
    const day = 19_737 * DAY_MILLIS;
    assert.equal(alwaysOnline.countBefore(day + DAY_MILLIS) - alwaysOnline.countBefore(day), 86_400);
    assert.equal(outage.countBefore(day + DAY_MILLIS) - outage.countBefore(day), 84_600);
  });
});

describe('strided sampling', () => {
  // Disjoint, ordered ranges (as the demo's strata are), some possibly empty.
  const ranges = fc
    .array(fc.record({ gap: fc.integer({ min: 0, max: 1e9 }), size: fc.integer({ min: 0, max: 5e6 }) }), {
      minLength: 1,
      maxLength: 5,
    })
    .map((parts) => {
      let cursor = 0;
      return parts.map(({ gap, size }): IndexRange => {
        const first = cursor + gap;
        cursor = first + size;
        return { first, end: cursor };
      });
    });

  it('weights add up to the exact number of points, every visit is inside its range, and the budget holds', () => {
    fc.assert(
      fc.property(ranges, fc.integer({ min: 1, max: 100 }), (rs, budget) => {
        const total = rs.reduce((n, r) => n + r.end - r.first, 0);
        let weightSum = 0;
        let visits = 0;
        const perRange = rs.map(() => 0);
        sampleIndices(rs, budget, (index, weight) => {
          const range = rs.findIndex((r) => index >= r.first && index < r.end);
          assert.ok(range >= 0, `index ${index} outside every range`);
          assert.ok(weight >= 1 && Number.isInteger(weight));
          perRange[range]!++;
          weightSum += weight;
          visits++;
        });
        assert.equal(weightSum, total);
        assert.ok(visits <= Math.max(total <= budget ? total : budget + rs.length, 0));
        rs.forEach((r, i) => {
          if (r.end > r.first) assert.ok(perRange[i]! >= 1, 'every non-empty range is sampled');
        });
      }),
    );
  });

  it('visits every point once, with weight 1, when they fit in the budget', () => {
    const seen: [number, number][] = [];
    sampleIndices(
      [
        { first: 10, end: 13 },
        { first: 20, end: 22 },
      ],
      5,
      (i, w) => seen.push([i, w]),
    );
    assert.deepEqual(seen, [
      [10, 1],
      [11, 1],
      [12, 1],
      [20, 1],
      [21, 1],
    ]);
  });

  it('a 30-day range costs the budget, not 2.6 million evaluations', () => {
    let visits = 0;
    let weightSum = 0;
    sampleIndices([{ first: 0, end: 30 * 86_400 }], 8, (_, w) => {
      visits++;
      weightSum += w;
    });
    assert.equal(visits, 8);
    assert.equal(weightSum, 30 * 86_400);
  });

  it('strides are evenly spread: the middle point of each equal stride', () => {
    const seen: [number, number][] = [];
    sampleIndices([{ first: 0, end: 100 }], 4, (i, w) => seen.push([i, w]));
    assert.deepEqual(seen, [
      [12, 25],
      [37, 25],
      [62, 25],
      [87, 25],
    ]);
  });
});
