// The chart of a metric answer, drawn on a <canvas> as StackState would chart it: a line through raw
// points, a step (with a light bar) per bucket for aggregated ones, the time axis in the user's time
// zone. Beside it, the same facts as text (points, range, min/max, bucket size) for screen readers.
//
// Quick for 10,000 points: the answer is read once into typed arrays, and above one point per pixel
// column the line is drawn from each column's min and max (decimation), so a redraw costs the
// canvas's width, not the number of points. When StackState asked for several methods in a row
// (MEAN, MIN, MAX of one series), each can be shown over the others.
import {
  decimate,
  formatSpan,
  formatValue,
  localDateTime,
  timeTicks,
  timeZoneName,
  valueDomain,
  valueTicks,
} from '../lib/chart-scale';
import type { LogEntry, RawExchange } from '../lib/contract';
import { ROUTES } from '../lib/contract';
import { formatCount } from '../lib/format';
import {
  type MetricQuery,
  type MetricSeries,
  methodRun,
  parseMetricQuery,
  parseMetricResponse,
  seriesStats,
} from '../lib/metric-series';
import type { AppContext } from './context';
import { fill, h, setText, show } from './dom';

const HEIGHT = 200;
/** Series colours, in order: the entry's own first. Chosen to read on light and dark surfaces. */
const COLORS = ['#2f7ff0', '#e8590c', '#2b9a66', '#b04ad8', '#c9a000', '#d6336c'];
/** Parsed answers kept for overlays and re-opening (each at most ~240 KB for 10,000 points). */
const CACHE_SIZE = 12;

interface Plotted {
  id: number;
  query: MetricQuery;
  series: MetricSeries;
  color: string;
  visible: boolean;
}

export class MetricChart {
  readonly el: HTMLElement;
  readonly #canvas = h('canvas', { class: 'chart-canvas', role: 'img', 'data-testid': 'metric-chart' });
  readonly #summary = h('p', { class: 'chart-summary small', 'data-testid': 'chart-summary' });
  readonly #compare = h('div', { class: 'chart-compare', hidden: true, 'data-testid': 'chart-compare' });
  readonly #note = h('p', { class: 'note', hidden: true, 'data-testid': 'chart-note' });
  readonly #cache = new Map<number, MetricSeries | null>();
  #plotted: Plotted[] = [];
  #entryId: number | null = null;
  #resize: ResizeObserver | null = null;
  #width = 0;
  /** The last drawing's time axis: canvas x (CSS px) from `x0` to `x0 + w` spans `from`..`to`. */
  #axis: { x0: number; w: number; from: number; to: number } | null = null;
  readonly #readout = h('p', { class: 'chart-readout small', 'data-testid': 'chart-readout' }, '\u00a0');

  constructor(private readonly ctx: AppContext) {
    this.el = h(
      'section',
      { class: 'metric-chart', hidden: true, 'aria-label': 'Chart of the answer' },
      h('h3', null, 'Chart'),
      this.#compare,
      h('div', { class: 'chart-frame' }, this.#canvas),
      this.#readout,
      this.#summary,
      this.#note,
    );
    this.#canvas.addEventListener('pointermove', (event) => this.#read(event.offsetX));
    this.#canvas.addEventListener('pointerleave', () => setText(this.#readout, '\u00a0'));
    if (typeof ResizeObserver !== 'undefined') {
      this.#resize = new ResizeObserver(() => {
        const width = this.#canvas.parentElement?.clientWidth ?? 0;
        if (width !== this.#width && this.#plotted.length > 0) this.#draw();
      });
      this.#resize.observe(this.el);
    }
  }

  /** Shows the chart of a metric exchange; hides itself for any other. */
  async show(entry: LogEntry | null): Promise<void> {
    this.#entryId = entry?.id ?? null;
    this.#plotted = [];
    this.#canvas.removeAttribute('data-drawn-for');
    const query =
      entry?.operation === 'metrics' && entry.status < 400 ? parseMetricQuery(entry.requestBody) : null;
    show(this.el, query !== null);
    if (!entry || !query) return;
    show(this.#note, false);
    show(this.#compare, false);
    setText(this.#summary, entry.rawKept || !entry.responseTruncated ? 'Reading the answer…' : '');
    const series = await this.#seriesOf(entry);
    if (this.#entryId !== entry.id) return;
    if (!series) {
      this.#clearCanvas();
      setText(this.#summary, '');
      this.#showNote(
        entry.responseTruncated
          ? 'No chart: the answer was cut short in the log and its full copy is no longer kept (the log keeps full answers within a memory budget). Replay the request to chart it.'
          : 'No chart: the answer is not a metric answer the chart can read.',
      );
      return;
    }
    this.#plotted = [{ id: entry.id, query, series, color: COLORS[0] as string, visible: true }];
    this.#draw();
    performance.mark('metric-chart-drawn', { detail: entry.id });
    this.#canvas.dataset.drawnFor = String(entry.id);
    await this.#offerComparison(entry);
  }

  /** The other methods StackState asked for in a row about the same series, as toggles over the chart. */
  async #offerComparison(entry: LogEntry): Promise<void> {
    const log = this.ctx.entries.newest().reverse();
    const queries = log.map((e) =>
      e.operation === 'metrics' && e.status < 400 ? parseMetricQuery(e.requestBody) : null,
    );
    const index = log.findIndex((e) => e.id === entry.id);
    if (index < 0) return;
    const run = methodRun(queries, index).filter((i) => i !== index);
    if (run.length === 0) return;
    const peers: Plotted[] = [];
    for (const i of run) {
      const peer = log[i] as LogEntry;
      const series = await this.#seriesOf(peer);
      if (this.#entryId !== entry.id) return;
      if (!series) continue;
      peers.push({
        id: peer.id,
        query: queries[i] as MetricQuery,
        series,
        color: COLORS[(peers.length + 1) % COLORS.length] as string,
        visible: false,
      });
    }
    if (peers.length === 0) return;
    this.#plotted.push(...peers);
    const toggles = this.#plotted.map((plotted) => {
      const box = h('input', {
        type: 'checkbox',
        checked: plotted.visible,
        disabled: plotted.id === entry.id,
        onchange: () => {
          plotted.visible = box.checked;
          this.#draw();
        },
      });
      return h(
        'label',
        { class: 'chart-toggle', 'data-method': plotted.query.method ?? 'raw' },
        box,
        h('span', { class: 'swatch', style: `background:${plotted.color}`, 'aria-hidden': 'true' }),
        `${plotted.query.method ?? 'raw'} #${plotted.id}`,
      );
    });
    fill(this.#compare, h('span', { class: 'muted small' }, 'Asked in a row, compare:'), ...toggles);
    show(this.#compare, true);
  }

  async #seriesOf(entry: LogEntry): Promise<MetricSeries | null> {
    if (this.#cache.has(entry.id)) return this.#cache.get(entry.id) ?? null;
    let text: string | null = entry.responseTruncated ? null : entry.responseBody;
    if (text === null && entry.rawKept) {
      try {
        text = (await this.ctx.api.get<RawExchange>(`${ROUTES.raw}/${entry.id}`)).response;
        performance.mark('metric-raw-fetched', { detail: entry.id });
      } catch {
        text = null;
      }
    }
    const series = text === null ? null : parseMetricResponse(text);
    performance.mark('metric-parsed', { detail: entry.id });
    this.#cache.set(entry.id, series);
    if (this.#cache.size > CACHE_SIZE) this.#cache.delete(this.#cache.keys().next().value as number);
    return series;
  }

  #showNote(text: string): void {
    setText(this.#note, text);
    show(this.#note, true);
  }

  #clearCanvas(): void {
    this.#canvas.width = 0;
    this.#canvas.height = 0;
  }

  #draw(): void {
    const visible = this.#plotted.filter((p) => p.visible);
    const own = this.#plotted[0];
    if (!own) return;
    const width = this.#canvas.parentElement?.clientWidth || 320;
    this.#width = width;
    const ratio = window.devicePixelRatio || 1;
    this.#canvas.width = Math.round(width * ratio);
    this.#canvas.height = Math.round(HEIGHT * ratio);
    this.#canvas.style.width = `${width}px`;
    this.#canvas.style.height = `${HEIGHT}px`;
    const g = this.#canvas.getContext('2d');
    if (!g) return;
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    const css = getComputedStyle(this.el);
    const muted = css.getPropertyValue('--muted').trim() || '#666';
    const grid = css.getPropertyValue('--border').trim() || '#ddd';
    const font = `11px ${css.fontFamily}`;

    // The window StackState asked for, widened to any points outside it.
    let from = Number.POSITIVE_INFINITY;
    let to = Number.NEGATIVE_INFINITY;
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const p of visible) {
      const stats = seriesStats(p.series);
      if (p.query.startTime !== null) from = Math.min(from, p.query.startTime);
      if (p.query.endTime !== null) to = Math.max(to, p.query.endTime);
      if (!stats) continue;
      from = Math.min(from, stats.from);
      to = Math.max(to, stats.to);
      if (stats.count > 0) {
        min = Math.min(min, stats.min);
        max = Math.max(max, stats.max);
      }
    }
    if (!(to > from)) to = from + 1;
    const [lo, hi] = valueDomain(min, max);
    const yTicks = valueTicks(lo, hi, 4);
    g.font = font;
    const left = Math.ceil(Math.max(24, ...yTicks.map((t) => g.measureText(formatValue(t)).width)) + 8);
    const plot = { x: left, y: 8, w: Math.max(10, width - left - 8), h: HEIGHT - 8 - 22 };
    const xOf = (t: number) => plot.x + ((t - from) / (to - from)) * plot.w;
    this.#axis = { x0: plot.x, w: plot.w, from, to };
    const yOf = (v: number) => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h;

    g.clearRect(0, 0, width, HEIGHT);
    g.lineWidth = 1;
    g.strokeStyle = grid;
    g.fillStyle = muted;
    g.textBaseline = 'middle';
    g.textAlign = 'right';
    for (const t of yTicks) {
      const y = Math.round(yOf(t)) + 0.5;
      g.beginPath();
      g.moveTo(plot.x, y);
      g.lineTo(plot.x + plot.w, y);
      g.stroke();
      g.fillText(formatValue(t), plot.x - 6, y);
    }
    g.textBaseline = 'top';
    g.textAlign = 'center';
    const maxTicks = Math.max(2, Math.floor(plot.w / 80));
    for (const tick of timeTicks(from, to, maxTicks)) {
      const x = Math.round(xOf(tick.at)) + 0.5;
      g.beginPath();
      g.moveTo(x, plot.y + plot.h);
      g.lineTo(x, plot.y + plot.h + 4);
      g.stroke();
      g.fillText(tick.label, Math.min(Math.max(x, plot.x + 16), plot.x + plot.w - 16), plot.y + plot.h + 6);
    }

    g.save();
    g.beginPath();
    g.rect(plot.x, plot.y, plot.w, plot.h);
    g.clip();
    const base = yOf(Math.max(lo, Math.min(0, hi)));
    // The entry's own series last, on top.
    for (const p of [...visible].reverse()) drawSeries(g, p, plot.w, xOf, yOf, base, from, to);
    g.restore();

    this.#describe(own, visible);
  }

  /** Under the pointer: each shown series' point nearest in time, as "17:42:10 · MEAN 31.2 · MAX 35". */
  #read(x: number): void {
    const axis = this.#axis;
    if (!axis) return;
    const t = axis.from + ((x - axis.x0) / axis.w) * (axis.to - axis.from);
    if (t < axis.from || t > axis.to) return;
    const parts: string[] = [];
    let at: number | null = null;
    for (const p of this.#plotted) {
      if (!p.visible) continue;
      const i = nearestIndex(p.series.starts, t);
      if (i < 0) continue;
      at ??= p.series.starts[i] as number;
      parts.push(`${p.query.method ?? 'value'} ${formatValue(p.series.values[i] as number)}`);
    }
    if (at !== null) setText(this.#readout, `${localDateTime(at)} · ${parts.join(' · ')}`);
  }

  /** The chart in words: what it shows, for everyone (and as the canvas's accessible name). */
  #describe(own: Plotted, visible: Plotted[]): void {
    const lines = visible.map((p) => {
      const stats = seriesStats(p.series);
      const what =
        p.series.kind === 'raw'
          ? 'raw points'
          : `${p.query.method ?? 'aggregated'} per ${p.query.bucketSizeMillis ? formatSpan(p.query.bucketSizeMillis) : 'bucket'}`;
      if (!stats) return `${what}: no points.`;
      const gaps = stats.gaps > 0 ? `, ${formatCount(stats.gaps)} without a value` : '';
      const count = `${formatCount(stats.count)} point${stats.count === 1 ? '' : 's'}`;
      const range = stats.count > 0 ? `, min ${formatValue(stats.min)}, max ${formatValue(stats.max)}` : '';
      return `${count} (${what}${gaps}) from ${localDateTime(stats.from)} to ${localDateTime(stats.to)}${range}.`;
    });
    const partial = own.series.isPartial
      ? ' The answer says it is partial (isPartial): points were cut.'
      : '';
    const text = `${lines.join(' ')} Times in ${timeZoneName()}.${partial}`;
    setText(this.#summary, text);
    this.#canvas.setAttribute('aria-label', `Chart: ${text}`);
  }
}

type Scale = (n: number) => number;

/** The index of the time nearest `t` in ascending `starts` (binary search), or -1 when empty. */
function nearestIndex(starts: Float64Array, t: number): number {
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

function drawSeries(
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
