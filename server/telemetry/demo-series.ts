// The demo's series and their samples, and the cache of per-block summaries that makes a wide
// window cost about what a narrow one does.
//
// A series is either a host's metric (MetricSeries: daily pattern, noise, incidents) or a host's
// dimension read as a metric (ConstantSeries: `cores` is its value, `host` or `canary` is 1, one
// event per sample). Either has a sample at every grid point (grid.ts) at which its host is online,
// and the sample is a pure function of (series, time, incidents): `sampleValue`.
//
// Chunks. The samples of a metric series are cached in chunks of CHUNK_SAMPLES grid points
// (4096 × 10 s, about 11 h 20 min), aligned to the epoch. A chunk holds each sample (NaN when
// offline), their prefix sums (so the sum of any run is one subtraction), the min and max of every
// block of 16 and 256 samples and of the whole chunk (so the min or max of any run merges at most
// 15 pieces per side per level), and, made when a percentile first needs them, a sketch of each
// block of 256 samples (sketch.ts). A chunk is keyed by series and by the incidents that touch it,
// so an incident always shows, and a chunk made before it is never served for it.
// The cache keeps the CHUNK_CACHE_LIMIT chunks used last (about 70 KB each, plus sketches:
// 31.5 MB measured with 400 chunks and every sketch made); older ones are dropped and made again
// when asked for. No query may need more chunks than that (demo-buckets.ts: MAX_CHUNKS_PER_QUERY).
import type { HostSpec, MetricSpec } from './demo-catalog';
import { dailyLoad } from './demo-catalog';
import { NATIVE_STEP_MILLIS } from './grid';
import { unitHash } from './hash';
import { type BlockSketch, sketchOf } from './sketch';

/** An incident's effect on one series: its samples in [start, end) are multiplied by `factor`. */
export interface ActiveWindow {
  start: number;
  end: number;
  factor: number;
}

export interface MetricSeries {
  kind: 'metric';
  host: HostSpec;
  metric: MetricSpec;
  /** Names host and metric in the chunk cache. */
  key: string;
  seed: number;
  incidents: readonly ActiveWindow[];
}

/** A dimension read as a metric: the same value at every sample of the host. */
export interface ConstantSeries {
  kind: 'constant';
  host: HostSpec;
  value: number;
}

export type Series = MetricSeries | ConstantSeries;

/** The sample of `series` at grid time `t` (one of its host's online grid points). */
export function sampleValue(series: Series, t: number): number {
  if (series.kind === 'constant') return series.value;
  const { host, metric } = series;
  const level = metric.level(dailyLoad(t, host.region), host);
  const noise = unitHash(series.seed, t / NATIVE_STEP_MILLIS) * 2 - 1;
  let value = level * (1 + metric.noise * noise);
  for (const incident of series.incidents) {
    if (t >= incident.start && t < incident.end) value *= incident.factor;
  }
  return metric.isPercentage ? Math.min(Math.max(value, 0), 100) : Math.max(value, 0);
}

// ---------- chunks ----------

export const CHUNK_SAMPLES = 4096;
/** Each level's blocks are this many of the level below's. */
const FANOUT = 16;
/** Samples per block at levels 0 (one sample), 1, 2 and 3 (the whole chunk). */
export const LEVEL_SIZES = [1, 16, 256, 4096] as const;
/** Where each level's blocks start in `mins` and `maxs` (level 0 reads `values`). */
const LEVEL_OFFSETS = [0, 0, 256, 272] as const;
const SUMMARY_SLOTS = 273;
/** The level whose blocks have sketches. */
export const SKETCH_LEVEL = 2;
export const CHUNK_CACHE_LIMIT = 400;

export interface Chunk {
  /** The samples; NaN where the host is offline. */
  readonly values: Float64Array;
  /** prefix[i] = the sum of values[0..i), offline samples counting 0. */
  readonly prefix: Float64Array;
  /** Min and max per block at levels 1–3 (LEVEL_OFFSETS); +∞ and −∞ for a block without samples. */
  readonly mins: Float64Array;
  readonly maxs: Float64Array;
  /** Per block of 256, made on first use. */
  readonly sketches: (BlockSketch | undefined)[];
}

function buildChunk(series: MetricSeries, chunkIndex: number): Chunk {
  const values = new Float64Array(CHUNK_SAMPLES).fill(Number.NaN);
  const prefix = new Float64Array(CHUNK_SAMPLES + 1);
  const { availability } = series.host;
  const firstTime = chunkIndex * CHUNK_SAMPLES * NATIVE_STEP_MILLIS;
  // Visit only the online samples: their numbering (grid.ts) skips the outages.
  const online = availability.countBefore(firstTime);
  const onlineEnd = availability.countBefore(firstTime + CHUNK_SAMPLES * NATIVE_STEP_MILLIS);
  for (let index = online; index < onlineEnd; index++) {
    const t = availability.timeOf(index);
    values[(t - firstTime) / NATIVE_STEP_MILLIS] = sampleValue(series, t);
  }
  let sum = 0;
  for (let i = 0; i < CHUNK_SAMPLES; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) sum += v;
    prefix[i + 1] = sum;
  }
  const mins = new Float64Array(SUMMARY_SLOTS).fill(Number.POSITIVE_INFINITY);
  const maxs = new Float64Array(SUMMARY_SLOTS).fill(Number.NEGATIVE_INFINITY);
  // Level 1 from the samples (NaN never compares true), then each level from the one below it.
  for (let i = 0; i < CHUNK_SAMPLES; i++) {
    const v = values[i]!;
    const slot = i >> 4;
    if (v < mins[slot]!) mins[slot] = v;
    if (v > maxs[slot]!) maxs[slot] = v;
  }
  for (let level = 2; level < LEVEL_SIZES.length; level++) {
    const below = LEVEL_OFFSETS[level - 1]!;
    const here = LEVEL_OFFSETS[level]!;
    const blocks = CHUNK_SAMPLES / LEVEL_SIZES[level]!;
    for (let b = 0; b < blocks * FANOUT; b++) {
      const slot = here + Math.floor(b / FANOUT);
      if (mins[below + b]! < mins[slot]!) mins[slot] = mins[below + b]!;
      if (maxs[below + b]! > maxs[slot]!) maxs[slot] = maxs[below + b]!;
    }
  }
  return { values, prefix, mins, maxs, sketches: new Array(CHUNK_SAMPLES / LEVEL_SIZES[SKETCH_LEVEL]) };
}

/** The sketch of a chunk's block of 256 samples, made once. */
export function blockSketch(chunk: Chunk, block: number): BlockSketch {
  const size = LEVEL_SIZES[SKETCH_LEVEL];
  let sketch = chunk.sketches[block];
  if (!sketch) {
    sketch = sketchOf(chunk.values, block * size, (block + 1) * size);
    chunk.sketches[block] = sketch;
  }
  return sketch;
}

/**
 * Splits [from, to) (chunk-local sample numbers) into the fewest aligned blocks and calls
 * `visit(level, block)` for each: at each level, blocks are taken from both ends until the range
 * is aligned to the next level. At most FANOUT − 1 blocks per side and level.
 */
export function forEachBlock(from: number, to: number, visit: (level: number, block: number) => void): void {
  let a = from;
  let b = to;
  for (let level = 0; a < b; level++) {
    const size = LEVEL_SIZES[level]!;
    const next = size * FANOUT;
    while (a < b && a % next !== 0) {
      visit(level, a / size);
      a += size;
    }
    while (b > a && b % next !== 0) {
      b -= size;
      visit(level, b / size);
    }
  }
}

/** Lowers `into.min` and raises `into.max` to the min and max of samples [from, to) of the chunk. */
export function widenExtremes(
  chunk: Chunk,
  from: number,
  to: number,
  into: { min: number; max: number },
): void {
  // forEachBlock, with each level's run of blocks on either side scanned in one tight loop: this
  // runs for every bucket and series of a MIN or MAX chart. NaN (no sample) never compares true,
  // and a block without samples holds +∞ and −∞, so neither needs a test.
  let min = into.min;
  let max = into.max;
  let a = from;
  let b = to;
  for (let level = 0; a < b; level++) {
    const size = LEVEL_SIZES[level]!;
    const next = size * FANOUT;
    const lows = level === 0 ? chunk.values : chunk.mins;
    const highs = level === 0 ? chunk.values : chunk.maxs;
    const offset = LEVEL_OFFSETS[level]!;
    const leftEnd = Math.min(b, Math.ceil(a / next) * next);
    const rightStart = Math.max(leftEnd, Math.floor(b / next) * next);
    for (let slot = offset + a / size; slot < offset + leftEnd / size; slot++) {
      if (lows[slot]! < min) min = lows[slot]!;
      if (highs[slot]! > max) max = highs[slot]!;
    }
    for (let slot = offset + rightStart / size; slot < offset + b / size; slot++) {
      if (lows[slot]! < min) min = lows[slot]!;
      if (highs[slot]! > max) max = highs[slot]!;
    }
    a = leftEnd;
    b = rightStart;
  }
  into.min = min;
  into.max = max;
}

/** The chunks used last, at most `limit`, keyed by series, chunk and the incidents in it. */
export class ChunkCache {
  private readonly chunks = new Map<string, { chunk: Chunk; lastUse: number }>();
  private uses = 0;

  constructor(readonly limit = CHUNK_CACHE_LIMIT) {}

  get size(): number {
    return this.chunks.size;
  }

  chunk(series: MetricSeries, chunkIndex: number): Chunk {
    const key = chunkKey(series, chunkIndex);
    const entry = this.chunks.get(key);
    if (entry) {
      entry.lastUse = ++this.uses;
      return entry.chunk;
    }
    const chunk = buildChunk(series, chunkIndex);
    if (this.chunks.size >= this.limit) this.evictLeastRecentlyUsed();
    this.chunks.set(key, { chunk, lastUse: ++this.uses });
    return chunk;
  }

  /** A scan of every entry, but only when a chunk is made, which costs far more (4096 samples). */
  private evictLeastRecentlyUsed(): void {
    let oldestKey: string | undefined;
    let oldest = Number.POSITIVE_INFINITY;
    for (const [key, { lastUse }] of this.chunks) {
      if (lastUse < oldest) {
        oldest = lastUse;
        oldestKey = key;
      }
    }
    if (oldestKey !== undefined) this.chunks.delete(oldestKey);
  }
}

/** Host, metric, chunk, and each incident that overlaps the chunk, in the order they apply. */
function chunkKey(series: MetricSeries, chunkIndex: number): string {
  let key = `${series.key}\u0000${chunkIndex}`;
  if (series.incidents.length === 0) return key;
  const span = CHUNK_SAMPLES * NATIVE_STEP_MILLIS;
  const start = chunkIndex * span;
  for (const { start: from, end, factor } of series.incidents) {
    if (from < start + span && end > start) key += `\u0000${from}-${end}x${factor}`;
  }
  return key;
}
