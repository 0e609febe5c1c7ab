// A log-bucket quantile sketch in the style of DDSketch (Masson, Rim & Lee, VLDB 2019), for the
// percentiles of buckets too large to sort (demo-buckets.ts).
//
// A positive value v goes to key k = ⌈log_γ v⌉, the bucket (γ^(k-1), γ^k], with
// γ = (1 + α) / (1 - α). Every value in that bucket is within relative error α of the bucket's
// representative 2γ^k / (γ + 1). So the value the sketch gives for any rank is within α of the
// exact value at that rank, and an interpolation between two such values (aggregate.ts) is too.
// Counts add, so block sketches merge exactly: merging never loses accuracy.
// α = 0.5 %, half the 1 % the mirror promises, leaving room for rounding in the logarithm.
// Values at or below SKETCH_ZERO (the demo clamps at 0) go to a zero bucket and come back as 0.

export const SKETCH_RELATIVE_ACCURACY = 0.005;
export const SKETCH_ZERO = 1e-9;
/** Values above this share the top key (the demo's never come near it). */
const SKETCH_TOP = 1e15;

const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const LOWEST_KEY = Math.ceil(Math.log(SKETCH_ZERO) / LOG_GAMMA);
const HIGHEST_KEY = Math.ceil(Math.log(SKETCH_TOP) / LOG_GAMMA);
const KEY_SPAN = HIGHEST_KEY - LOWEST_KEY + 1;

/** The key of a value above SKETCH_ZERO. */
function keyOf(value: number): number {
  const key = Math.ceil(Math.log(value) / LOG_GAMMA);
  return key < LOWEST_KEY ? LOWEST_KEY : key > HIGHEST_KEY ? HIGHEST_KEY : key;
}

/** The value a key stands for: within α of every value in its bucket. */
const representative = (key: number) => (2 * GAMMA ** key) / (GAMMA + 1);

/** A frozen sketch of one block of samples: counts for keys firstKey, firstKey + 1, …, and zeros. */
export interface BlockSketch {
  readonly firstKey: number;
  readonly counts: Uint32Array;
  readonly zeros: number;
}

/** The sketch of `values[from..to)`, NaN (no sample) left out. */
export function sketchOf(values: Float64Array, from: number, to: number): BlockSketch {
  let low = HIGHEST_KEY;
  let high = LOWEST_KEY;
  let zeros = 0;
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    if (v <= SKETCH_ZERO) {
      zeros++;
      continue;
    }
    const key = keyOf(v);
    if (key < low) low = key;
    if (key > high) high = key;
  }
  const counts = new Uint32Array(high >= low ? high - low + 1 : 0);
  for (let i = from; i < to; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v) && v > SKETCH_ZERO) counts[keyOf(v) - low]!++;
  }
  return { firstKey: low, counts, zeros };
}

/**
 * One bucket's sketch, built from single values and block sketches, then asked for ranks.
 * Dense over every key, reused from bucket to bucket: `reset` clears only the keys touched.
 */
export class SketchAccumulator {
  private readonly counts = new Float64Array(KEY_SPAN);
  private low = KEY_SPAN;
  private high = -1;
  private zeros = 0;
  private total = 0;

  reset(): void {
    if (this.high >= this.low) this.counts.fill(0, this.low, this.high + 1);
    this.low = KEY_SPAN;
    this.high = -1;
    this.zeros = 0;
    this.total = 0;
  }

  get count(): number {
    return this.total;
  }

  add(value: number): void {
    this.total++;
    if (value <= SKETCH_ZERO) {
      this.zeros++;
      return;
    }
    this.touch(keyOf(value) - LOWEST_KEY, 1);
  }

  merge(block: BlockSketch): void {
    this.zeros += block.zeros;
    this.total += block.zeros;
    const base = block.firstKey - LOWEST_KEY;
    for (let i = 0; i < block.counts.length; i++) {
      const n = block.counts[i]!;
      if (n > 0) {
        this.touch(base + i, n);
        this.total += n;
      }
    }
  }

  /** The value at 0-based `rank` among the values added (rank < count), within α. */
  valueAtRank(rank: number): number {
    if (rank < this.zeros) return 0;
    let seen = this.zeros;
    for (let slot = this.low; slot <= this.high; slot++) {
      seen += this.counts[slot]!;
      if (seen > rank) return representative(slot + LOWEST_KEY);
    }
    return representative(this.high + LOWEST_KEY);
  }

  private touch(slot: number, n: number): void {
    this.counts[slot]! += n;
    if (slot < this.low) this.low = slot;
    if (slot > this.high) this.high = slot;
  }
}
