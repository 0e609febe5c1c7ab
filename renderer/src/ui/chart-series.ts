// Drawing a metric series on the chart's canvas: a line through raw points, a step with a light bar
// per bucket for aggregated ones, and one min–max stroke per pixel column above one point a column.
import { decimate } from '../lib/chart-scale';
import type { MetricQuery, MetricSeries } from '../lib/metric-series';

export interface Plotted {
  id: number;
  query: MetricQuery;
  series: MetricSeries;
  color: string;
  visible: boolean;
}

type Scale = (n: number) => number;

/** The index of the time nearest `t` in ascending `starts` (binary search), or -1 when empty. */
export function nearestIndex(starts: Float64Array, t: number): number {
  if (starts.length === 0) return -1;
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((starts[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && t - (starts[lo - 1] as number) < (starts[lo] as number) - t) return lo - 1;
  return lo;
}

export function drawSeries(
  g: CanvasRenderingContext2D,
  p: Plotted,
  width: number,
  xOf: Scale,
  yOf: Scale,
  base: number,
  from: number,
  to: number,
): void {
  const { starts, ends, values } = p.series;
  const n = values.length;
  g.strokeStyle = p.color;
  g.fillStyle = p.color;
  g.lineWidth = 1.5;
  g.lineJoin = 'round';
  if (n > width) {
    // More points than pixel columns: one min–max stroke per column, joined.
    const { min, max } = decimate(starts, values, from, to, width);
    const x0 = xOf(from);
    const step = (xOf(to) - x0) / min.length;
    g.beginPath();
    let drawing = false;
    for (let c = 0; c < min.length; c++) {
      const lo = min[c] as number;
      if (Number.isNaN(lo)) {
        drawing = false;
        continue;
      }
      const x = x0 + (c + 0.5) * step;
      if (drawing) g.lineTo(x, yOf(max[c] as number));
      else g.moveTo(x, yOf(max[c] as number));
      g.lineTo(x, yOf(lo));
      drawing = true;
    }
    g.stroke();
    return;
  }
  if (p.series.kind === 'aggregated') {
    // A light bar and a step per bucket: the value holds for the whole bucket.
    g.globalAlpha = 0.18;
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) continue;
      const x = xOf(starts[i] as number);
      const w = Math.max(1, xOf(ends[i] as number) - x);
      const y = yOf(v);
      g.fillRect(x, Math.min(y, base), w, Math.abs(base - y));
    }
    g.globalAlpha = 1;
    g.beginPath();
    let previousEnd = Number.NaN;
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) {
        previousEnd = Number.NaN;
        continue;
      }
      const x = xOf(starts[i] as number);
      const y = yOf(v);
      // Adjacent buckets join with a vertical; a gap between them leaves the line open.
      if (!Number.isNaN(previousEnd) && Math.abs(previousEnd - (starts[i] as number)) < 1) g.lineTo(x, y);
      else g.moveTo(x, y);
      g.lineTo(xOf(ends[i] as number), y);
      previousEnd = ends[i] as number;
    }
    g.stroke();
    return;
  }
  g.beginPath();
  let drawing = false;
  for (let i = 0; i < n; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) {
      drawing = false;
      continue;
    }
    const x = xOf(starts[i] as number);
    const y = yOf(v);
    if (drawing) g.lineTo(x, y);
    else g.moveTo(x, y);
    drawing = true;
  }
  g.stroke();
  // A lone point between gaps (or a one-point answer) still shows.
  if (n <= 200) {
    for (let i = 0; i < n; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) continue;
      g.beginPath();
      g.arc(xOf(starts[i] as number), yOf(v), 2, 0, Math.PI * 2);
      g.fill();
    }
  }
}
