// The parts the demo's exact buckets are built from: block decomposition, selection, the sketch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CHUNK_SAMPLES, forEachBlock, LEVEL_SIZES } from '../../server/telemetry/demo-series';
import { minFrom, selectRank } from '../../server/telemetry/select';
import { SKETCH_RELATIVE_ACCURACY, SketchAccumulator, sketchOf } from '../../server/telemetry/sketch';

describe('block decomposition', () => {
  const range = fc
    .tuple(fc.integer({ min: 0, max: CHUNK_SAMPLES }), fc.integer({ min: 0, max: CHUNK_SAMPLES }))
    .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);

  it('covers every sample of a range exactly once, with aligned blocks, at most 15 per side and level', () => {
    fc.assert(
      fc.property(range, ([from, to]) => {
        const covered = new Uint8Array(CHUNK_SAMPLES);
        const perLevel = LEVEL_SIZES.map(() => 0);
        forEachBlock(from, to, (level, block) => {
          const size = LEVEL_SIZES[level]!;
          perLevel[level]!++;
          for (let i = block * size; i < (block + 1) * size; i++) covered[i]!++;
        });
        for (let i = 0; i < CHUNK_SAMPLES; i++) {
          assert.equal(covered[i], i >= from && i < to ? 1 : 0, `sample ${i} of [${from}, ${to})`);
        }
        for (const n of perLevel) assert.ok(n <= 30, `${n} blocks at one level`);
      }),
      { numRuns: 300 },
    );
  });
});

/** Equal as numbers: -0 and 0 are the same value here (see below); NaN never appears. */
function assertSameNumber(actual: number, expected: number): void {
  assert.ok(actual === expected, `${actual} where sorting gives ${expected}`);
}

describe('selection', () => {
  it('finds the value of every rank, as sorting would', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.nat(),
        (values, pick) => {
          const k = pick % values.length;
          const sorted = Float64Array.from(values).sort();
          const work = Float64Array.from(values);
          assertSameNumber(selectRank(work, values.length, k), sorted[k]!);
          if (k + 1 < values.length) assertSameNumber(minFrom(work, k + 1, values.length), sorted[k + 1]!);
        },
      ),
      { numRuns: 300 },
    );
  });

  // -0 and 0 are one value to a percentile: they compare equal, and both are sent as 0 (JSON has no
  // -0). Float64Array's sort orders -0 first, selection does not tell them apart; either is right.
  it('treats -0 and 0 as the same value (fast-check once found [-0, 0])', () => {
    const mixed = Float64Array.from([-0, 0]);
    const rank0 = selectRank(mixed, 2, 0);
    assert.ok(rank0 === 0, `rank 0 of [-0, 0] is ${rank0}`);
    assert.equal(JSON.stringify([rank0]), '[0]');
  });

  it('handles runs of equal values and sorted input', () => {
    const same = new Float64Array(1000).fill(7);
    assert.equal(selectRank(same, 1000, 500), 7);
    const ascending = Float64Array.from({ length: 1000 }, (_, i) => i);
    assert.equal(selectRank(ascending, 1000, 990), 990);
  });
});

describe('the quantile sketch', () => {
  it(`gives each rank within ${SKETCH_RELATIVE_ACCURACY * 100} % of its exact value, merged from blocks or added one by one`, () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2000 }),
        fc.integer({ min: 1, max: 300 }),
        (values, blockSize) => {
          const all = Float64Array.from(values);
          const sorted = Float64Array.from(values).sort();
          const merged = new SketchAccumulator();
          const added = new SketchAccumulator();
          for (let from = 0; from < all.length; from += blockSize) {
            merged.merge(sketchOf(all, from, Math.min(from + blockSize, all.length)));
          }
          for (const v of values) added.add(v);
          assert.equal(merged.count, values.length);
          for (let rank = 0; rank < sorted.length; rank += Math.max(1, Math.floor(sorted.length / 50))) {
            const exact = sorted[rank]!;
            for (const sketch of [merged, added]) {
              const got = sketch.valueAtRank(rank);
              const bound = exact <= 1e-9 ? 1e-9 : SKETCH_RELATIVE_ACCURACY * exact * (1 + 1e-9);
              assert.ok(Math.abs(got - exact) <= bound, `rank ${rank}: ${got} vs ${exact}`);
            }
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('leaves out NaN (no sample) and starts afresh after reset', () => {
    const sketch = new SketchAccumulator();
    sketch.merge(sketchOf(Float64Array.from([Number.NaN, 5, Number.NaN, 0]), 0, 4));
    assert.equal(sketch.count, 2);
    assert.equal(sketch.valueAtRank(0), 0);
    sketch.reset();
    sketch.add(100);
    assert.equal(sketch.count, 1);
    assert.ok(Math.abs(sketch.valueAtRank(0) - 100) <= 0.5);
  });
});
