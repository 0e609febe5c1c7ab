// The arithmetic of the metric chart: value ticks, bucket sizes as words, and min/max decimation so
// 10,000 points draw as one short path. Pure: no DOM. The time axis is in time-ticks.ts.

/** Round steps for a value axis, at most about `count` of them, covering [min, max]. */
export function valueTicks(min: number, max: number, count = 4): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (min === max) return [min];
  const raw = (max - min) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

/** The value range a chart shows: the data's, widened to include 0 when it is near, never empty. */
export function valueDomain(min: number, max: number): [number, number] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
  let lo = min;
  let hi = max;
  // A series of small positive values reads better from 0 (as StackState's charts do).
  if (lo > 0 && lo < hi * 0.5) lo = 0;
  if (lo === hi) {
    const pad = Math.abs(lo) * 0.1 || 1;
    lo -= pad;
    hi += pad;
  }
  return [lo, hi];
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A bucket size in words: 60000 → "1 min", 3600000 → "1 h", 1500 → "1.5 s". */
export function formatSpan(millis: number): string {
  const units: Array<[number, string]> = [
    [DAY, 'd'],
    [HOUR, 'h'],
    [MINUTE, 'min'],
    [SECOND, 's'],
  ];
  for (const [size, unit] of units) {
    if (millis >= size) {
      const n = millis / size;
      return `${Number.isInteger(n) ? n : Number(n.toFixed(1))} ${unit}`;
    }
  }
  return `${millis} ms`;
}

/** A value for an axis or a summary: short, without float noise. */
export function formatValue(value: number): string {
  if (!Number.isFinite(value)) return '—';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e9 || abs < 1e-3)) return value.toExponential(2);
  return Number(value.toPrecision(4)).toLocaleString(undefined, { maximumFractionDigits: 6 });
}

/**
 * Min/max decimation: the points falling in each of `width` pixel columns between `from` and `to`,
 * as the column's lowest and highest value (NaN where a column has none). Drawing a vertical stroke
 * per column keeps every peak and dip visible at a cost of `width` strokes, whatever the number of points.
 */
export function decimate(
  starts: Float64Array,
  values: Float64Array,
  from: number,
  to: number,
  width: number,
): { min: Float64Array; max: Float64Array } {
  const columns = Math.max(1, Math.floor(width));
  const min = new Float64Array(columns).fill(Number.NaN);
  const max = new Float64Array(columns).fill(Number.NaN);
  const scale = columns / (to - from || 1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    const column = Math.min(columns - 1, Math.max(0, Math.floor(((starts[i] as number) - from) * scale)));
    const lo = min[column] as number;
    if (Number.isNaN(lo) || v < lo) min[column] = v;
    const hi = max[column] as number;
    if (Number.isNaN(hi) || v > hi) max[column] = v;
  }
  return { min, max };
}
