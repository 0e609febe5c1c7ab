// The chart of a metric answer, drawn on a <canvas> as StackState would chart it: a line through raw
// points, a step (with a light bar) per bucket for aggregated ones, the time axis in the user's time
// zone. Beside it, the same facts as text (points, range, min/max, bucket size) for screen readers.
//
// Quick for 10,000 points: the answer is read once into typed arrays, and above one point per pixel
// column the line is drawn from each column's min and max (decimation), so a redraw costs the
// canvas's width, not the number of points. When StackState asked for several methods in a row
// (MEAN, MIN, MAX of one series), each can be shown over the others.
import { formatSpan, formatValue } from '../lib/chart-scale';
import type { LogEntry, RawExchange } from '../lib/contract';
import { ROUTES } from '../lib/contract';
import { formatCount, plural } from '../lib/format';
import {
  type MetricQuery,
  type MetricSeries,
  methodRun,
  parseMetricQuery,
  parseMetricResponse,
  seriesStats,
} from '../lib/metric-series';
import { formatTimestamp, timeZoneName, utcOffsetLabel } from '../lib/time-format';
import { drawAxes, layoutAxes } from './chart-axis';
import { drawSeries, nearestIndex, type Plotted } from './chart-series';
import type { AppContext } from './context';
import { fill, h, setText, show } from './dom';

const HEIGHT = 200;
/** Series colours, in order: the entry's own first. Chosen to read on light and dark surfaces. */
const COLORS = ['#2f7ff0', '#e8590c', '#2b9a66', '#b04ad8', '#c9a000', '#d6336c'];
/** Parsed answers kept for overlays and re-opening (each at most ~240 KB for 10,000 points). */
const CACHE_SIZE = 12;

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
  /** The zone the axis is in, under the chart, as StackState states it. */
  readonly #zone = h('p', { class: 'chart-zone muted small', 'data-testid': 'chart-time-zone' });

  constructor(private readonly ctx: AppContext) {
    this.el = h(
      'section',
      { class: 'metric-chart', hidden: true, 'aria-label': 'Chart of the answer' },
      h('h3', null, 'Chart'),
      this.#compare,
      h('div', { class: 'chart-frame' }, this.#canvas),
      this.#zone,
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
    g.font = `11px ${css.fontFamily}`;

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
    const axes = layoutAxes(g, { width, height: HEIGHT, from, to, min, max });
    this.#axis = { x0: axes.plot.x, w: axes.plot.w, from, to };
    g.clearRect(0, 0, width, HEIGHT);
    drawAxes(g, axes, { muted, grid });
    const { plot, xOf, yOf, lo, hi } = axes;
    // The labels as drawn, for a reader of the page's text (and its tests): "06:00 Dec 7 | 12:00 Dec 7".
    this.#canvas.dataset.timeTicks = axes.timeTicks
      .map((t) => [t.label, t.date].filter(Boolean).join(' '))
      .join(' | ');
    const zone = timeZoneName();
    const offset = utcOffsetLabel(to);
    setText(this.#zone, zone === offset ? `Times in ${zone}.` : `Times in ${zone} (${offset}).`);

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
    if (at !== null) setText(this.#readout, `${formatTimestamp(at)} · ${parts.join(' · ')}`);
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
      const count = plural(stats.count, 'point');
      const range = stats.count > 0 ? `, min ${formatValue(stats.min)}, max ${formatValue(stats.max)}` : '';
      return `${count} (${what}${gaps}) from ${formatTimestamp(stats.from)} to ${formatTimestamp(stats.to)}${range}.`;
    });
    const partial = own.series.isPartial
      ? ' The answer says it is partial (isPartial): points were cut.'
      : '';
    const text = `${lines.join(' ')}${partial}`;
    setText(this.#summary, text);
    this.#canvas.setAttribute('aria-label', `Chart: ${text} ${this.#zone.textContent ?? ''}`);
  }
}
