// One logged request in full: what was asked and answered (headers as sent, X-MIRROR-API-KEY among
// them, and both bodies), why it failed, the chart of a metric answer, Copy as cURL (with -i when
// asked) and Replay. A replay links to the request it replays.
import type { HeaderPair, LogEntry, SessionState } from '../lib/contract';
import { ROUTES } from '../lib/contract';
import { curlBase, curlFor, detailActions } from '../lib/curl';
import {
  errorLine,
  errorReason,
  FINDING_TONES,
  formatDuration,
  ORIGIN_TITLES,
  operationLabel,
  PURPOSE_LABELS,
  resultLabel,
  truncationNote,
} from '../lib/format';
import { formatTimestamp } from '../lib/time-format';
import { copyText } from './clipboard';
import type { AppContext } from './context';
import { fill, h, setText, show } from './dom';
import { MetricChart } from './metric-chart';
import { flashLabel, InlineMessage, runFrom } from './widgets';

export interface DetailActions {
  back(): void;
  /** Opens an entry: one the detail just made (a replay's answer), or one it links to (by id). */
  open(entry: LogEntry): void;
  openId(id: number): void;
}

/** Whether Copy as cURL adds -i; kept for the page's life, as the user left it. */
let includeHeaders = false;

export class RequestDetail {
  readonly el: HTMLElement;
  readonly #title = h('h2', { tabIndex: -1, 'data-testid': 'detail-title' });
  readonly #origin = h('p', { class: 'detail-origin small', hidden: true, 'data-testid': 'detail-origin' });
  readonly #meta = h('dl', { class: 'meta' });
  readonly #error = h('div', {
    class: 'inline-message tone-error',
    hidden: true,
    'data-testid': 'detail-error',
  });
  readonly #findings = h('ul', { class: 'findings', hidden: true, 'data-testid': 'findings' });
  readonly #requestHeaders = h('dl', { class: 'headers', 'data-testid': 'request-headers' });
  readonly #responseHeaders = h('dl', { class: 'headers', 'data-testid': 'response-headers' });
  readonly #requestBody = h('pre', { class: 'body', 'data-testid': 'request-body' });
  readonly #responseBody = h('pre', { class: 'body', 'data-testid': 'response-body' });
  readonly #truncated = h('p', { class: 'note', hidden: true });
  readonly #curl: HTMLButtonElement;
  readonly #withHeaders: HTMLInputElement;
  readonly #replay: HTMLButtonElement;
  readonly #message = new InlineMessage();
  readonly #chart: MetricChart;
  #entry: LogEntry | null = null;

  constructor(
    private readonly ctx: AppContext,
    private readonly actions: DetailActions,
  ) {
    this.#chart = new MetricChart(ctx);
    this.#curl = h('button', {
      type: 'button',
      text: 'Copy as cURL',
      'data-testid': 'copy-curl',
      onclick: () => this.#copyCurl(),
    });
    this.#withHeaders = h('input', {
      type: 'checkbox',
      checked: includeHeaders,
      'data-testid': 'curl-include-headers',
      onchange: () => {
        includeHeaders = this.#withHeaders.checked;
      },
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
      this.#origin,
      this.#meta,
      this.#error,
      this.#findings,
      h(
        'div',
        { class: 'actions' },
        this.#curl,
        h(
          'label',
          {
            class: 'curl-option small',
            title: 'Add -i: curl prints the status line and response headers too',
          },
          this.#withHeaders,
          ' with headers (-i)',
        ),
        this.#replay,
      ),
      this.#message.el,
      this.#chart.el,
      this.#truncated,
      h('h3', null, 'Request headers'),
      this.#requestHeaders,
      h('h3', null, 'Request body'),
      this.#requestBody,
      h('h3', null, 'Response headers'),
      this.#responseHeaders,
      h('h3', null, 'Response body'),
      this.#responseBody,
    );
    this.#title.id = 'detail-title';
    this.el.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.actions.back();
    });
  }

  get entryId(): number | null {
    return this.#entry?.id ?? null;
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
    void this.#chart.show(entry);
    if (!entry) return;
    setText(this.#title, `${operationLabel(entry)} · #${entry.id}`);
    this.#showOrigin(entry);
    const result = resultLabel(entry);
    const rows: Array<[string, string | Node]> = [
      ['Time', formatTimestamp(entry.time, { millis: true })],
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
    const reason = errorReason(entry);
    show(this.#error, entry.error !== null || reason !== null);
    fill(
      this.#error,
      // The heading as the list's row says it (errorLine); the reason follows on its own line.
      h('b', null, entry.error ? errorLine(entry.error, null) : `HTTP ${entry.status}`),
      reason ? h('span', { class: 'reason', 'data-testid': 'error-reason' }, reason) : null,
    );
    show(this.#findings, entry.findings.length > 0);
    fill(
      this.#findings,
      ...entry.findings.map((finding) =>
        h('li', { class: `inline-message tone-${FINDING_TONES[finding.severity]}` }, finding.message),
      ),
    );
    fillHeaders(this.#requestHeaders, entry.requestHeaders);
    fillHeaders(this.#responseHeaders, entry.responseHeaders);
    setText(this.#requestBody, entry.requestBody || '(empty)');
    setText(this.#responseBody, entry.responseBody || '(empty)');
    const cut = truncationNote(entry);
    // The chart reads the full answer the log still keeps, so the cut body does not limit it.
    const note =
      cut && entry.responseTruncated && entry.rawKept && entry.operation === 'metrics'
        ? `${cut} The chart above reads the full answer.`
        : cut;
    show(this.#truncated, note !== null);
    setText(this.#truncated, note ?? '');
    this.#syncButtons(this.ctx.state);
  }

  /** "Replay of #12" (a link to it while the log keeps it), or "Self-test", for requests the app made. */
  #showOrigin(entry: LogEntry): void {
    show(this.#origin, entry.purpose !== 'caller');
    if (entry.purpose === 'caller') return;
    const mark = h('span', { class: `mark mark-${entry.purpose}` }, PURPOSE_LABELS[entry.purpose]);
    if (entry.purpose === 'self-test') {
      fill(this.#origin, mark, ' Sent by the app’s self-test, not by StackState.');
      return;
    }
    const of = entry.replayOf;
    const kept = of !== null && this.ctx.entries.get(of) !== undefined;
    fill(
      this.#origin,
      mark,
      ' Sent by Replay',
      of === null
        ? '.'
        : kept
          ? h(
              'span',
              null,
              ' of ',
              h(
                'a',
                {
                  href: `#request-${of}`,
                  'data-testid': 'replay-of',
                  onclick: (event: Event) => {
                    event.preventDefault();
                    this.actions.openId(of);
                  },
                },
                `#${of}`,
              ),
              '.',
            )
          : ` of #${of} (no longer in the log).`,
    );
  }

  async #copyCurl(): Promise<void> {
    const base = this.ctx.state ? curlBase(this.ctx.state) : null;
    if (!this.#entry || !base) return;
    const curl = curlFor(this.#entry, base, { includeHeaders: this.#withHeaders.checked });
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

function fillHeaders(list: HTMLElement, headers: readonly HeaderPair[]): void {
  if (headers.length === 0) {
    fill(list, h('dd', { class: 'muted' }, '(none recorded)'));
    return;
  }
  fill(list, ...headers.flatMap(([name, value]) => [h('dt', null, name), h('dd', null, value)]));
}

const isBusy = (button: HTMLButtonElement): boolean => button.getAttribute('aria-busy') === 'true';
