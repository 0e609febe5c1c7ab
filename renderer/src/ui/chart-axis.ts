// The metric chart's axes: where the plot sits on the canvas, the value grid on the left, and the time
// axis below, with several ticks on round local times and, where the window spans more than a day,
// each tick's day on a second line (lib/time-ticks.ts chooses them).
import { formatValue, valueDomain, valueTicks } from '../lib/chart-scale';
import { TICK_SPACING_PX, type TimeTick, timeTicks } from '../lib/time-ticks';

/** Room under the plot for two lines of tick labels (time, then day). */
const AXIS_HEIGHT = 34;
const LINE_HEIGHT = 13;

export interface ChartAxes {
  plot: { x: number; y: number; w: number; h: number };
  lo: number;
  hi: number;
  xOf: (t: number) => number;
  yOf: (v: number) => number;
  valueTicks: number[];
  timeTicks: TimeTick[];
}

/** Lays out the plot for a canvas `width` × `height` and the data's time and value ranges. */
export function layoutAxes(
  g: CanvasRenderingContext2D,
  range: { width: number; height: number; from: number; to: number; min: number; max: number },
): ChartAxes {
  const [lo, hi] = valueDomain(range.min, range.max);
  const yTicks = valueTicks(lo, hi, 4);
  const left = Math.ceil(Math.max(24, ...yTicks.map((t) => g.measureText(formatValue(t)).width)) + 8);
  // The right margin leaves half a label's room, so the last tick's label is not cut.
  const plot = { x: left, y: 8, w: Math.max(10, range.width - left - 20), h: range.height - 8 - AXIS_HEIGHT };
  const { from, to } = range;
  return {
    plot,
    lo,
    hi,
    xOf: (t) => plot.x + ((t - from) / (to - from)) * plot.w,
    yOf: (v) => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h,
    valueTicks: yTicks,
    timeTicks: timeTicks(from, to, Math.max(2, Math.floor(plot.w / TICK_SPACING_PX))),
  };
}

export function drawAxes(
  g: CanvasRenderingContext2D,
  axes: ChartAxes,
  colors: { muted: string; grid: string },
) {
  const { plot, xOf, yOf } = axes;
  g.lineWidth = 1;
  g.strokeStyle = colors.grid;
  g.fillStyle = colors.muted;
  g.textBaseline = 'middle';
  g.textAlign = 'right';
  for (const t of axes.valueTicks) {
    const y = Math.round(yOf(t)) + 0.5;
    g.beginPath();
    g.moveTo(plot.x, y);
    g.lineTo(plot.x + plot.w, y);
    g.stroke();
    g.fillText(formatValue(t), plot.x - 6, y);
  }
  g.textBaseline = 'top';
  g.textAlign = 'center';
  const bottom = plot.y + plot.h;
  for (const tick of axes.timeTicks) {
    const x = Math.round(xOf(tick.at)) + 0.5;
    // A light vertical grid line through the plot, and a tick mark on the axis.
    g.globalAlpha = 0.5;
    g.beginPath();
    g.moveTo(x, plot.y);
    g.lineTo(x, bottom);
    g.stroke();
    g.globalAlpha = 1;
    g.beginPath();
    g.moveTo(x, bottom);
    g.lineTo(x, bottom + 4);
    g.stroke();
    g.fillText(tick.label, x, bottom + 6);
    if (tick.date) g.fillText(tick.date, x, bottom + 6 + LINE_HEIGHT);
  }
}
