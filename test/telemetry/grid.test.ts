import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { alwaysOnline, DAY_MILLIS, dailyOutage, NATIVE_STEP_MILLIS } from '../../server/telemetry/grid';

const HOUR = 3_600_000;
const outage = dailyOutage(3 * HOUR, HOUR / 2);
const isInOutage = (t: number) => {
  const intoDay = t % DAY_MILLIS;
  return intoDay >= 3 * HOUR && intoDay < 3.5 * HOUR;
};
const time = fc.integer({ min: 0, max: 4_000_000_000_000 });

describe('the native grid', () => {
  it('always-online series have a sample every 10 s, at whole multiples of 10 s since the epoch', () => {
    assert.equal(NATIVE_STEP_MILLIS, 10_000);
    assert.equal(alwaysOnline.countBefore(0), 0);
    assert.equal(alwaysOnline.countBefore(1), 1);
    assert.equal(alwaysOnline.countBefore(10_000), 1);
    assert.equal(alwaysOnline.countBefore(10_001), 2);
    assert.equal(alwaysOnline.timeOf(170_000_000), 1_700_000_000_000);
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

  it('a daily outage: counts agree with a step-by-step count', () => {
    fc.assert(
      fc.property(time, fc.integer({ min: 0, max: 2 * HOUR }), (from, width) => {
        // Near the outage half the time, so both edges get exercised.
        const start =
          from % 2 === 0 ? from - (from % DAY_MILLIS) + 3 * HOUR - HOUR / 2 + (from % HOUR) : from;
        let expected = 0;
        const step = NATIVE_STEP_MILLIS;
        for (let t = Math.ceil(start / step) * step; t < start + width; t += step)
          if (!isInOutage(t)) expected++;
        assert.equal(outage.countBefore(start + width) - outage.countBefore(start), expected);
      }),
      { numRuns: 60 },
    );
  });

  it('a day holds 8640 samples, or 8460 with a 30-minute outage', () => {
    const day = 19_737 * DAY_MILLIS;
    assert.equal(alwaysOnline.countBefore(day + DAY_MILLIS) - alwaysOnline.countBefore(day), 8640);
    assert.equal(outage.countBefore(day + DAY_MILLIS) - outage.countBefore(day), 8460);
  });
});
