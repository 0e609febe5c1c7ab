// The live request inspector: the newest requests first, a detail view with both bodies,
// Copy as cURL and Replay.
//
// Under load the stream brings a batch every 100 ms; the app hands the inspector one change per
// animation frame. Rows are only ever added at the top and removed at the bottom, and at most
// VISIBLE_ROWS exist, so a frame's work is proportional to what arrived, never to the log's size.
import type { LogEntry, SessionState } from '../lib/contract';
import { ROUTES } from '../lib/contract';
import { curlBase, curlFor, detailActions } from '../lib/curl';
import type { ListChange } from '../lib/entry-list';
import {
  FINDING_TONES,
  formatClock,
  formatDuration,
  ORIGIN_TITLES,
  operationLabel,
  resultLabel,
  rowView,
  truncationNote,
} from '../lib/format';
import { copyText } from './clipboard';
import type { AppContext } from './context';
import { fill, h, setText, show } from './dom';
import { flashLabel, InlineMessage, runFrom } from './widgets';

/** How many rows the list renders (the newest); the rest of the log stays in memory only. */
export const VISIBLE_ROWS = 200;

export class Inspector {
  readonly el: HTMLElement;
  readonly #list = h('ol', { class: 'rows', 'data-testid': 'request-list', 'aria-label': 'Requests' });
  readonly #rows = new Map<number, HTMLLIElement>();
  /** Focusable from code only: where focus goes when the detail it was in closes under it. */
  readonly #count = h('span', {
    class: 'muted small',
    tabIndex: -1,
    'aria-live': 'off',
    'data-testid': 'request-count',
  });
  readonly #empty = h(
    'p',
    { class: 'empty muted' },
    'No requests yet. They appear here as StackState (or curl) calls the mirror.',
  );
  readonly #detail: RequestDetail;
  #selected: number | null = null;

  constructor(private readonly ctx: AppContext) {
    this.#detail = new RequestDetail(ctx, {
      back: () => this.select(null),
      open: (entry) => this.select(entry.id, entry),
    });
    this.#list.addEventListener('click', (event) => {
      const button = (event.target as Element).closest<HTMLButtonElement>('button[data-id]');
      if (button) this.select(Number(button.dataset.id));
    });
    this.#list.addEventListener('keydown', (event) => this.#onKey(event));
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
    const listPane = h(
      'div',
      { class: 'list-pane' },
      h('div', { class: 'toolbar' }, this.#count, clear),
      this.#empty,
      this.#list,
    );
    this.el = h('div', { class: 'inspector' }, listPane, this.#detail.el);
    this.#renderCount();
  }

  /** Applies one frame's change to the list. */
  apply(change: ListChange, reset: boolean): void {
    if (reset) {
      this.#rows.clear();
      const rows = this.ctx.entries.newest(VISIBLE_ROWS).map((entry) => this.#row(entry));
      this.#list.replaceChildren(...rows);
      // Cleared (Clear, Stop & clean up) or replaced (a reconnect's snapshot): a detail whose entry
      // is gone would only fail ("no logged request with id …"), so it closes.
      if (this.#selected !== null && !this.ctx.entries.get(this.#selected)) this.select(null);
    } else {
      for (const id of change.removed) {
        this.#rows.get(id)?.remove();
        this.#rows.delete(id);
      }
      if (change.added.length > 0) {
        const fragment = document.createDocumentFragment();
        for (const entry of change.added.slice(0, VISIBLE_ROWS)) fragment.append(this.#row(entry));
        this.#list.prepend(fragment);
        // Trim from the bottom: the oldest rows go, whatever their number.
        while (this.#rows.size > VISIBLE_ROWS) {
          const last = this.#list.lastElementChild as HTMLLIElement | null;
          if (!last) break;
          this.#rows.delete(Number(last.dataset.id));
          last.remove();
        }
      }
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
    this.#selected = id;
    const shown = id === null ? null : (entry ?? this.ctx.entries.get(id) ?? null);
    this.el.classList.toggle('has-detail', shown !== null);
    this.#detail.show(shown);
    if (id !== null) this.#rows.get(id)?.querySelector('button')?.setAttribute('aria-current', 'true');
    if (shown) this.#detail.focus();
    else if (previous !== null) {
      const row = this.#rows.get(previous)?.querySelector('button');
      if (row) row.focus();
      else if (focusInDetail) this.#count.focus();
    }
  }

  #renderCount(): void {
    const total = this.ctx.entries.size;
    const rendered = this.#rows.size;
    setText(
      this.#count,
      total === 0
        ? 'No requests'
        : `${total} request${total === 1 ? '' : 's'}${rendered < total ? ` · newest ${rendered} shown` : ''}`,
    );
    show(this.#empty, total === 0);
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
      h('span', { class: `r-status tone-${view.statusTone}` }, view.status),
      h('span', { class: 'r-dur' }, view.duration),
      h('span', { class: 'r-summary' }, view.summary || '—'),
      h('span', { class: 'r-count' }, view.results),
      view.flag
        ? h('span', { class: `badge r-flag tone-${view.flag.tone}`, title: view.flag.title }, view.flag.label)
        : null,
      h('span', { class: `badge origin-${view.origin}`, title: view.originTitle }, view.originLabel),
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

interface DetailActions {
  back(): void;
  open(entry: LogEntry): void;
}

class RequestDetail {
  readonly el: HTMLElement;
  readonly #title = h('h2', { tabIndex: -1, 'data-testid': 'detail-title' });
  readonly #meta = h('dl', { class: 'meta' });
  readonly #error = h('p', { class: 'inline-message tone-error', hidden: true });
  readonly #findings = h('ul', { class: 'findings', hidden: true, 'data-testid': 'findings' });
  readonly #requestBody = h('pre', { class: 'body', 'data-testid': 'request-body' });
  readonly #responseBody = h('pre', { class: 'body', 'data-testid': 'response-body' });
  readonly #truncated = h('p', { class: 'note', hidden: true });
  readonly #curl: HTMLButtonElement;
  readonly #replay: HTMLButtonElement;
  readonly #message = new InlineMessage();
  #entry: LogEntry | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly actions: DetailActions,
  ) {
    this.#curl = h('button', {
      type: 'button',
      text: 'Copy as cURL',
      'data-testid': 'copy-curl',
      onclick: () => this.#copyCurl(),
    });
    this.#replay = h('button', {
      type: 'button',
      text: 'Replay',
      title: 'Send this request to the mirror again',
      'data-testid': 'replay',
      onclick: () => this.#doReplay(),
    });
    const back = h('button', {
      type: 'button',
      class: 'back',
      text: '← Requests',
      onclick: () => this.actions.back(),
    });
    this.el = h(
      'section',
      { class: 'detail', hidden: true, 'aria-labelledby': 'detail-title', 'data-testid': 'request-detail' },
      h('div', { class: 'detail-head' }, back, this.#title),
      this.#meta,
      this.#error,
      this.#findings,
      h('div', { class: 'actions' }, this.#curl, this.#replay),
      this.#message.el,
      this.#truncated,
      h('h3', null, 'Request body'),
      this.#requestBody,
      h('h3', null, 'Response body'),
      this.#responseBody,
    );
    this.#title.id = 'detail-title';
    this.el.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.actions.back();
    });
  }

  update(state: SessionState): void {
    this.#syncButtons(state);
  }

  /** Enables what can act now. A busy button (a replay under way) is left alone: no double submit. */
  #syncButtons(state: SessionState | null): void {
    const can = detailActions(this.#entry, state);
    if (!isBusy(this.#curl)) this.#curl.disabled = !can.copy;
    if (!isBusy(this.#replay)) this.#replay.disabled = !can.replay;
  }

  focus(): void {
    this.#title.focus({ preventScroll: false });
  }

  show(entry: LogEntry | null): void {
    this.#entry = entry;
    this.#message.clear();
    show(this.el, entry !== null);
    if (!entry) return;
    setText(this.#title, `${operationLabel(entry)} · #${entry.id}`);
    const result = resultLabel(entry);
    const rows: Array<[string, string | Node]> = [
      ['Time', `${new Date(entry.time).toLocaleDateString()} ${formatClock(entry.time, true)}`],
      ['Request', `${entry.method} ${entry.url}`],
      ['Status', String(entry.status)],
      ['Duration', formatDuration(entry.durationMillis)],
      ...(result ? [['Result', result] as [string, string]] : []),
      [
        'From',
        h(
          'span',
          null,
          h(
            'span',
            { class: `badge origin-${entry.origin}`, title: ORIGIN_TITLES[entry.origin] },
            entry.origin,
          ),
          ` ${entry.remoteAddress}`,
        ),
      ],
      ['Summary', entry.summary || '—'],
    ];
    fill(this.#meta, ...rows.flatMap(([term, value]) => [h('dt', null, term), h('dd', null, value)]));
    show(this.#error, entry.error !== null);
    setText(this.#error, entry.error ?? '');
    show(this.#findings, entry.findings.length > 0);
    fill(
      this.#findings,
      ...entry.findings.map((finding) =>
        h('li', { class: `inline-message tone-${FINDING_TONES[finding.severity]}` }, finding.message),
      ),
    );
    setText(this.#requestBody, entry.requestBody || '(empty)');
    setText(this.#responseBody, entry.responseBody || '(empty)');
    const note = truncationNote(entry);
    show(this.#truncated, note !== null);
    setText(this.#truncated, note ?? '');
    this.#syncButtons(this.ctx.state);
  }

  async #copyCurl(): Promise<void> {
    const base = this.ctx.state ? curlBase(this.ctx.state) : null;
    if (!this.#entry || !base) return;
    const curl = curlFor(this.#entry, base);
    const ok = await copyText(curl.command);
    flashLabel(this.#curl, ok ? 'Copied' : 'Failed');
    if (ok && !curl.complete) {
      this.#message.show('Copied, but the body was cut short in the log: the command is incomplete.', 'warn');
    } else this.ctx.announce(ok ? 'cURL command copied.' : 'Could not copy.', ok ? 'ok' : 'error');
  }

  async #doReplay(): Promise<void> {
    const entry = this.#entry;
    if (!entry) return;
    this.#message.clear();
    const replayed = await runFrom(
      this.#replay,
      'Replaying…',
      () => this.ctx.api.post<LogEntry>(`${ROUTES.replay}/${entry.id}`),
      (message) => this.#message.show(message, 'error'),
    );
    // runFrom re-enabled the button; the mirror may have stopped meanwhile.
    this.#syncButtons(this.ctx.state);
    if (replayed) {
      this.actions.open(replayed);
      this.#message.show(
        `Replayed as #${replayed.id}: HTTP ${replayed.status} in ${formatDuration(replayed.durationMillis)}.`,
        'ok',
      );
    }
  }
}

const isBusy = (button: HTMLButtonElement): boolean => button.getAttribute('aria-busy') === 'true';
