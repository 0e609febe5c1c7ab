// The live request inspector: the newest requests first, filtered and pausable, beside (wide
// windows) or instead of (narrow ones) the detail of the request picked.
//
// Under load the stream brings a batch every 100 ms; the app hands the inspector one change per
// animation frame. Rows are only ever added at the top and removed at the bottom, and at most
// VISIBLE_ROWS exist, so a frame's work is proportional to what arrived, never to the log's size.
// A filter change or a resume redraws the list once from the entries kept (at most the log's bound).
import './log.css';
import type { LogEntry, SessionState } from '../lib/contract';
import { LOG_CAPACITY, ROUTES } from '../lib/contract';
import type { ListChange } from '../lib/entry-list';
import { formatCount, plural, rowView } from '../lib/format';
import { isFiltering, type LogFilter, matchesFilter, NO_FILTER, PauseBuffer } from '../lib/log-filter';
import type { AppContext } from './context';
import { h, setText, show } from './dom';
import { RequestDetail } from './log-detail';
import { LogFilterBar } from './log-filter-bar';
import { afterEachMidnight } from './midnight';
import { loadOlderLog } from './stream';
import { runFrom } from './widgets';

/** How many rows the list renders (the newest); the rest of the log stays in memory only. */
export const VISIBLE_ROWS = 200;

export class Inspector {
  readonly el: HTMLElement;
  readonly #list = h('ol', { class: 'rows', 'data-testid': 'request-list', 'aria-label': 'Requests' });
  readonly #rows = new Map<number, HTMLLIElement>();
  /** Focusable from code only: where focus goes when the detail it was in closes under it. */
  readonly #count = h('span', {
    class: 'muted small log-count',
    tabIndex: -1,
    'aria-live': 'off',
    'data-testid': 'request-count',
  });
  readonly #empty = h(
    'p',
    { class: 'empty muted', 'data-testid': 'log-empty' },
    // The count above already says "No requests": this says only what will fill the list.
    'They appear here as StackState (or curl) calls the mirror.',
  );
  readonly #placeholder = h(
    'div',
    { class: 'detail-placeholder muted', 'data-testid': 'detail-placeholder' },
    'Pick a request to see its headers, bodies and, for metric values, the chart StackState will draw.',
  );
  readonly #pause: HTMLButtonElement;
  readonly #filters: LogFilterBar;
  readonly #detail: RequestDetail;
  readonly #buffer = new PauseBuffer(LOG_CAPACITY);
  #filter: LogFilter = NO_FILTER;
  /** How many rows the list may show: VISIBLE_ROWS, and more each time "older kept — show" is pressed. */
  #limit = VISIBLE_ROWS;
  /** Below the last row when the log keeps more that match than are shown. */
  readonly #older = h('button', {
    type: 'button',
    class: 'small-button log-older',
    hidden: true,
    'data-testid': 'log-older',
    onclick: () => {
      this.#limit += VISIBLE_ROWS;
      this.#redraw();
      this.#renderCount();
    },
  });
  /** When the app keeps older entries than the page got in the stream's first frame (512 KiB): a page at a time. */
  readonly #fromApp: HTMLButtonElement = h('button', {
    type: 'button',
    class: 'small-button log-older',
    hidden: true,
    text: 'Load older requests from the app',
    'data-testid': 'log-load-older',
    onclick: () =>
      runFrom(
        this.#fromApp,
        'Loading…',
        async () => {
          const oldest = this.ctx.entries.newest().at(-1)?.id ?? Number.MAX_SAFE_INTEGER;
          const page = await loadOlderLog(this.ctx.api, oldest);
          this.ctx.entries.add(page.entries);
          this.#appHasOlder = page.hasOlder;
          this.#limit = Math.max(this.#limit, this.ctx.entries.size);
          this.#redraw();
          this.#renderCount();
        },
        (message) => this.ctx.announce(message, 'error'),
      ),
  });
  /** Whether the app keeps entries older than the page's oldest, as its last page or first frame said. */
  #appHasOlder = true;
  /** Where the list would be, when the filters leave nothing of a non-empty log. */
  readonly #noMatch = h(
    'p',
    { class: 'empty muted', hidden: true, 'data-testid': 'log-no-match' },
    'No request matches these filters. ',
    h('button', {
      type: 'button',
      class: 'small-button',
      text: 'Show all',
      onclick: () => this.#clearFilters(),
    }),
  );
  #paused = false;
  #total = 0;
  #selected: number | null = null;

  constructor(private readonly ctx: AppContext) {
    this.#detail = new RequestDetail(ctx, {
      back: () => this.select(null),
      open: (entry) => this.select(entry.id, entry),
      openId: (id) => this.select(id),
    });
    this.#list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-id]');
      if (!button) return;
      // Read by the end-to-end test: the time from this click to the drawn chart.
      performance.mark('log-row-click', { detail: Number(button.dataset.id) });
      this.select(Number(button.dataset.id));
    });
    this.#list.addEventListener('keydown', (event) => this.#onKey(event));
    // A row says "23:59:01" while its day is today, "Dec 7 23:59:01" after: drawn again at midnight.
    afterEachMidnight(() => this.#redraw());
    const clear = h('button', {
      type: 'button',
      class: 'small-button',
      text: 'Clear',
      title: 'Empty the request log',
      onclick: () =>
        runFrom(
          clear,
          'Clearing…',
          () => this.ctx.api.delete(ROUTES.clearLog),
          (message) => this.ctx.announce(message, 'error'),
        ),
    });
    this.#pause = h('button', {
      type: 'button',
      class: 'small-button',
      'aria-pressed': 'false',
      'data-testid': 'log-pause',
      title: 'Hold new requests back while you read; they are counted and shown on resume',
      onclick: () => this.#setPaused(!this.#paused),
    });
    this.#filters = new LogFilterBar((change) => this.#setFilter(change));
    const listPane = h(
      'div',
      { class: 'list-pane' },
      h(
        'div',
        { class: 'toolbar log-toolbar' },
        this.#count,
        h('span', { class: 'log-buttons' }, this.#pause, clear),
      ),
      this.#filters.el,
      this.#empty,
      this.#noMatch,
      this.#list,
      this.#older,
      this.#fromApp,
    );
    this.el = h('div', { class: 'inspector' }, listPane, this.#placeholder, this.#detail.el);
    this.#renderPause();
    this.#renderCount();
  }

  /**
   * Applies one frame's change to the list; `total` is the count since start when the stream said it,
   * `hasOlder` (with a reset) whether the app keeps entries older than those sent.
   */
  apply(
    change: ListChange,
    reset: boolean,
    total: number | null = null,
    hasOlder: boolean | null = null,
  ): void {
    if (total !== null) this.#total = total;
    if (reset) {
      this.#appHasOlder = hasOlder ?? true;
      this.#buffer.release();
      this.#redraw();
      // Cleared (Clear, Stop & clean up) or replaced (a reconnect's snapshot): a detail whose entry
      // is gone would only fail ("no logged request with id …"), so it closes.
      if (this.#selected !== null && !this.ctx.entries.get(this.#selected)) this.select(null);
    } else {
      for (const id of change.removed) {
        this.#rows.get(id)?.remove();
        this.#rows.delete(id);
      }
      if (this.#paused) {
        this.#buffer.forget(change.removed);
        // Counted as the list would show them: only those that pass the filter.
        this.#buffer.hold(change.added.filter((entry) => matchesFilter(entry, this.#filter)));
        this.#renderPause();
      } else this.#prepend(change.added);
    }
    this.#renderCount();
  }

  update(state: SessionState): void {
    this.#detail.update(state);
  }

  select(id: number | null, entry?: LogEntry): void {
    const previous = this.#selected;
    const focusInDetail = this.#detail.el.contains(document.activeElement);
    if (previous !== null) this.#rows.get(previous)?.querySelector('button')?.removeAttribute('aria-current');
    const shown = id === null ? null : (entry ?? this.ctx.entries.get(id) ?? null);
    this.#selected = shown ? id : null;
    this.el.classList.toggle('has-detail', shown !== null);
    show(this.#placeholder, shown === null);
    this.#detail.show(shown);
    if (shown) this.#rows.get(shown.id)?.querySelector('button')?.setAttribute('aria-current', 'true');
    if (shown) this.#detail.focus();
    else if (previous !== null) {
      const row = this.#rows.get(previous)?.querySelector('button');
      if (row) row.focus();
      else if (focusInDetail) this.#count.focus();
    }
  }

  #clearFilters(): void {
    this.#setFilter(NO_FILTER);
    this.#filters.reset();
  }

  #setFilter(change: Partial<LogFilter>): void {
    this.#filter = { ...this.#filter, ...change };
    this.#limit = VISIBLE_ROWS;
    // The list is drawn again from what the log keeps now, held entries included: none wait any more.
    this.#buffer.release();
    this.#renderPause();
    this.#redraw();
    this.#renderCount();
  }

  #setPaused(paused: boolean): void {
    this.#paused = paused;
    if (!paused && this.#buffer.release().length > 0) this.#redraw();
    this.#renderPause();
    this.#renderCount();
  }

  /** Draws the list again from the entries kept: the newest (up to the limit) that pass the filter. */
  #redraw(): void {
    this.#rows.clear();
    const rows: HTMLLIElement[] = [];
    for (const entry of this.ctx.entries.newest()) {
      if (rows.length >= this.#limit) break;
      if (matchesFilter(entry, this.#filter)) rows.push(this.#row(entry));
    }
    this.#list.replaceChildren(...rows);
  }

  #prepend(added: readonly LogEntry[]): void {
    const shown = added.filter((entry) => matchesFilter(entry, this.#filter)).slice(0, this.#limit);
    if (shown.length === 0) return;
    const fragment = document.createDocumentFragment();
    for (const entry of shown) fragment.append(this.#row(entry));
    this.#list.prepend(fragment);
    // Trim from the bottom: the oldest rows go, whatever their number.
    while (this.#rows.size > this.#limit) {
      const last = this.#list.lastElementChild as HTMLLIElement | null;
      if (!last) break;
      this.#rows.delete(Number(last.dataset.id));
      last.remove();
    }
  }

  #renderPause(): void {
    const held = this.#buffer.count;
    this.#pause.setAttribute('aria-pressed', String(this.#paused));
    setText(
      this.#pause,
      this.#paused ? (held > 0 ? `Resume (${formatCount(held)} new)` : 'Resume') : 'Pause',
    );
  }

  #renderCount(): void {
    const kept = this.ctx.entries.size;
    const rendered = this.#rows.size;
    const older = this.#olderCount(rendered);
    // The stream says how many were recorded; before it has, the entries held are the best count.
    const total = Math.max(this.#total, kept);
    let text: string;
    if (total === 0) text = 'No requests';
    else {
      text = plural(total, 'request');
      // The app keeps its newest min(total, capacity); a new page first holds only those in the stream's first frame.
      const appKeeps = Math.min(total, LOG_CAPACITY);
      if (kept < appKeeps && this.#appHasOlder)
        text += ` · ${formatCount(kept)} of the last ${formatCount(appKeeps)} loaded`;
      else if (kept < total) text += ` · last ${formatCount(kept)} kept`;
      if (isFiltering(this.#filter)) text += ` · ${formatCount(rendered + older)} match`;
      else if (rendered < kept && !this.#paused) text += ` · newest ${formatCount(rendered)} shown`;
      if (this.#paused) text += ' · paused';
    }
    setText(this.#count, text);
    show(this.#empty, kept === 0);
    show(this.#noMatch, kept > 0 && rendered === 0 && !this.#paused);
    show(this.#older, older > 0);
    setText(this.#older, older > 0 ? `${formatCount(older)} older kept — show` : '');
    show(
      this.#fromApp,
      older === 0 && !this.#paused && this.#appHasOlder && kept < Math.min(total, LOG_CAPACITY),
    );
  }

  /** Kept entries that pass the filter but are below the shown rows; counted only when the list is full. */
  #olderCount(rendered: number): number {
    if (rendered < this.#limit) return 0;
    // Without a filter every kept entry matches: no walk over them on each frame of a busy log.
    if (!isFiltering(this.#filter)) return Math.max(0, this.ctx.entries.size - rendered);
    let matching = 0;
    for (const entry of this.ctx.entries.newest()) if (matchesFilter(entry, this.#filter)) matching++;
    return Math.max(0, matching - rendered);
  }

  #row(entry: LogEntry): HTMLLIElement {
    const view = rowView(entry);
    const button = h(
      'button',
      {
        type: 'button',
        class: 'row',
        'data-id': view.id,
        'aria-current': view.id === this.#selected ? 'true' : undefined,
      },
      h('span', { class: 'r-time' }, view.time),
      h('span', { class: 'r-op' }, view.operation),
      view.flag
        ? h('span', { class: `badge r-flag tone-${view.flag.tone}`, title: view.flag.title }, view.flag.label)
        : null,
      h('span', { class: `r-status tone-${view.statusTone}` }, view.status),
      h('span', { class: 'r-dur' }, view.duration),
      h(
        'span',
        { class: 'r-more' },
        h('span', { class: 'r-summary' }, view.summary || '—'),
        view.error ? h('span', { class: 'r-error' }, view.error) : null,
        h(
          'span',
          { class: 'r-tags' },
          view.results ? h('span', { class: 'r-count' }, view.results) : null,
          view.purpose
            ? h(
                'span',
                { class: `mark mark-${entry.purpose}` },
                view.replayOf !== null ? `${view.purpose} of #${view.replayOf}` : view.purpose,
              )
            : null,
          h('span', { class: `badge origin-${view.origin}`, title: view.originTitle }, view.originLabel),
        ),
      ),
    );
    const item = h('li', { 'data-id': view.id }, button);
    this.#rows.set(view.id, item);
    return item;
  }

  #onKey(event: KeyboardEvent): void {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const current = (event.target as Element).closest('li');
    const next = event.key === 'ArrowDown' ? current?.nextElementSibling : current?.previousElementSibling;
    const button = next?.querySelector('button');
    if (button) {
      event.preventDefault();
      button.focus();
    }
  }
}
