// One aggregated bucket of the demo's metric series, exact over every sample in it.
//
// All samples of all matching series in the bucket are pooled and the method applied (aggregate.ts
// defines the methods). How each is found without visiting every sample:
// - EVENT_COUNT: grid arithmetic (grid.ts), no sample evaluated.
// - SUM, MEAN: per chunk, a difference of prefix sums (demo-series.ts).
// - MIN, MAX: the fewest aligned blocks covering the bucket, their cached min or max merged.
// - Percentiles: up to EXACT_PERCENTILE_SAMPLES pooled samples are gathered and the two ranks the
//   definition needs selected (select.ts): exact. Beyond that, a sketch (sketch.ts) merged from the cached sketches of whole
//   blocks of 256 samples plus the samples at the edges, each rank read within 0.5 % and clamped
//   to the bucket's exact min and max: within 1 % of the exact percentile.
import type { AggregationMethod } from '../protocol/messages';
import { type Bucket, interpolatedPercentile, PERCENTILES } from './aggregate';
import {
  blockSketch,
  CHUNK_CACHE_LIMIT,
  CHUNK_SAMPLES,
  type Chunk,
  type ChunkCache,
  forEachBlock,
  LEVEL_SIZES,
  type MetricSeries,
  SKETCH_LEVEL,
  widenExtremes,
} from './demo-series';
import { gridPointsBefore } from './grid';
import { minFrom, selectRank } from './select';
import { SketchAccumulator } from './sketch';

/**
 * The most chunks (series × blocks of 4096 samples) one query may need: as many as the cache
 * holds, so a query never evicts its own blocks, and the first one asked costs at most about
 * 1.6 million sample evaluations (0.75 s measured for 1.3 million on a busy 2-core machine) in the
 * turn it runs in. That is 189 days of one series, 37 days of five.
 */
export const MAX_CHUNKS_PER_QUERY = CHUNK_CACHE_LIMIT;

/** How many chunks `series` series need over [startTime, endTime). */
export function chunksNeeded(series: number, startTime: number, endTime: number): number {
  const first = gridPointsBefore(startTime);
  const end = gridPointsBefore(endTime);
  if (end <= first) return 0;
  return series * (Math.floor((end - 1) / CHUNK_SAMPLES) - Math.floor(first / CHUNK_SAMPLES) + 1);
}

/** Whether `method` needs the samples' values (the counts come from the grid alone). */
export const needsValues = (method: AggregationMethod) =>
  method !== 'EVENT_COUNT' && method !== 'EVENT_COUNT_NO_ZEROS';

/** The most pooled samples a percentile is computed from exactly (by selection). */
export const EXACT_PERCENTILE_SAMPLES = 4096;

// One query runs at a time (the demo answers synchronously), so these are shared, not allocated per bucket.
const scratch = new Float64Array(EXACT_PERCENTILE_SAMPLES);
const sketch = new SketchAccumulator();

/** Evaluates the buckets of one query, in any order; remembers each series' last chunk. */
export class MetricBuckets {
  private readonly lastChunkIndex: number[];
  private readonly lastChunk: (Chunk | undefined)[];
  private readonly p: number | undefined;

  constructor(
    private readonly cache: ChunkCache,
    private readonly series: readonly MetricSeries[],
    private readonly method: AggregationMethod,
  ) {
    this.lastChunkIndex = series.map(() => -1);
    this.lastChunk = series.map(() => undefined);
    this.p = PERCENTILES[method];
  }

  value(bucket: Bucket): number | undefined {
    let count = 0;
    for (const s of this.series) {
      count += s.host.availability.countBefore(bucket.end) - s.host.availability.countBefore(bucket.start);
    }
    switch (this.method) {
      case 'EVENT_COUNT':
        return count;
      case 'EVENT_COUNT_NO_ZEROS':
        return count > 0 ? count : undefined;
      case 'SUM':
        return count > 0 ? this.sum(bucket) : 0;
    }
    if (count === 0) return undefined;
    switch (this.method) {
      case 'SUM_NO_ZEROS':
        return this.sum(bucket);
      case 'MEAN':
        return this.sum(bucket) / count;
      case 'MIN':
        return this.extremes(bucket).min;
      case 'MAX':
        return this.extremes(bucket).max;
    }
    if (this.p === undefined) throw new Error(`unknown aggregation method ${this.method}`);
    return count <= EXACT_PERCENTILE_SAMPLES
      ? this.exactPercentile(bucket, this.p)
      : this.sketchedPercentile(bucket, count, this.p);
  }

  private sum(bucket: Bucket): number {
    const first = gridPointsBefore(bucket.start);
    const end = gridPointsBefore(bucket.end);
    let total = 0;
    for (let s = 0; s < this.series.length; s++) {
      for (let c = Math.floor(first / CHUNK_SAMPLES); c * CHUNK_SAMPLES < end; c++) {
        const { prefix } = this.chunkOf(s, c);
        const base = c * CHUNK_SAMPLES;
        total += prefix[Math.min(end - base, CHUNK_SAMPLES)]! - prefix[Math.max(first - base, 0)]!;
      }
    }
    return total;
  }

  private extremes(bucket: Bucket): { min: number; max: number } {
    const found = { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
    const first = gridPointsBefore(bucket.start);
    const end = gridPointsBefore(bucket.end);
    for (let s = 0; s < this.series.length; s++) {
      for (let c = Math.floor(first / CHUNK_SAMPLES); c * CHUNK_SAMPLES < end; c++) {
        const base = c * CHUNK_SAMPLES;
        const from = Math.max(first - base, 0);
        widenExtremes(this.chunkOf(s, c), from, Math.min(end - base, CHUNK_SAMPLES), found);
      }
    }
    return found;
  }

  private exactPercentile(bucket: Bucket, p: number): number {
    let n = 0;
    this.forEachPiece(bucket, (chunk, from, to) => {
      for (let i = from; i < to; i++) {
        const v = chunk.values[i]!;
        if (!Number.isNaN(v)) scratch[n++] = v;
      }
    });
    // Select rank ⌊h⌋; rank ⌊h⌋ + 1 is then the smallest of what lies above it.
    const selected = Math.floor((n - 1) * p);
    selectRank(scratch, n, selected);
    const valueAtRank = (rank: number) =>
      rank === selected ? scratch[rank]! : minFrom(scratch, selected + 1, n);
    return interpolatedPercentile(n, p, valueAtRank);
  }

  private sketchedPercentile(bucket: Bucket, count: number, p: number): number {
    const { min, max } = this.extremes(bucket);
    sketch.reset();
    const sketchSize = LEVEL_SIZES[SKETCH_LEVEL];
    this.forEachPiece(bucket, (chunk, from, to) => {
      forEachBlock(from, to, (level, block) => {
        const size = LEVEL_SIZES[level]!;
        if (level >= SKETCH_LEVEL) {
          const first = (block * size) / sketchSize;
          for (let b = first; b < first + size / sketchSize; b++) sketch.merge(blockSketch(chunk, b));
          return;
        }
        for (let i = block * size; i < (block + 1) * size; i++) {
          const v = chunk.values[i]!;
          if (!Number.isNaN(v)) sketch.add(v);
        }
      });
    });
    if (sketch.count !== count) throw new Error(`sketch holds ${sketch.count} samples, not ${count}`);
    const clamped = (rank: number) => Math.min(Math.max(sketch.valueAtRank(rank), min), max);
    return interpolatedPercentile(count, p, clamped);
  }

  /** Calls `visit` with each chunk the bucket touches and the chunk-local sample range within it. */
  private forEachPiece(bucket: Bucket, visit: (chunk: Chunk, from: number, to: number) => void): void {
    const first = gridPointsBefore(bucket.start);
    const end = gridPointsBefore(bucket.end);
    if (end <= first) return;
    for (let s = 0; s < this.series.length; s++) {
      for (let c = Math.floor(first / CHUNK_SAMPLES); c * CHUNK_SAMPLES < end; c++) {
        const base = c * CHUNK_SAMPLES;
        visit(this.chunkOf(s, c), Math.max(first - base, 0), Math.min(end - base, CHUNK_SAMPLES));
      }
    }
  }

  private chunkOf(seriesIndex: number, chunkIndex: number): Chunk {
    const remembered = this.lastChunk[seriesIndex];
    if (remembered && this.lastChunkIndex[seriesIndex] === chunkIndex) return remembered;
    const chunk = this.cache.chunk(this.series[seriesIndex]!, chunkIndex);
    this.lastChunkIndex[seriesIndex] = chunkIndex;
    this.lastChunk[seriesIndex] = chunk;
    return chunk;
  }
}
