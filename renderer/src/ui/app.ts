// The window: header (status pill, Stop & clean up / Start), tabs (Setup holds the status card), views.
// Session state and log entries arrive on the event stream and are applied once per animation frame.
import { ROUTES, type SessionState } from '../lib/contract';
import { EntryList } from '../lib/entry-list';
import { formatCount, type Tone } from '../lib/format';
import { statusView } from '../lib/status';
import { tabAfterKey } from '../lib/tab-keys';
import { type PendingUpdate, type Scheduler, UpdateQueue } from '../lib/update-queue';
import type { ControlApi } from './api';
import { CheckPanel } from './check-panel';
import { ChecklistView } from './checklist-view';
import { CleanupDialog, StoppedView } from './cleanup';
import { ConnectionCard } from './connection-card';
import type { AppContext, TabId, View } from './context';
import { fill, h, setText, show } from './dom';
import { FirstRunForm } from './first-run';
import { IncidentsPanel } from './incidents-panel';
import { Inspector } from './inspector';
import { showAppGone, showStreamBusy, showTokenRefused } from './link-banner';
import { PortBusyCard } from './port-busy';
import { SettingsPanel } from './settings-panel';
import { StatusCard } from './status-card';
import { connectStream, type Link } from './stream';
import { Toast } from './toast';

const TABS: Array<{ id: TabId; label: string }> = [
  { id: 'setup', label: 'Setup' },
  { id: 'requests', label: 'Requests' },
  { id: 'incidents', label: 'Incidents' },
  { id: 'check', label: 'Check' },
  { id: 'settings', label: 'Settings' },
];

/** One frame when the page is visible; a short timer when hidden (frames stop, the queue stays bounded). */
const nextFrame: Scheduler = (run) => {
  if (document.hidden) window.setTimeout(run, 250);
  else window.requestAnimationFrame(run);
};

/** A tab's badge stays narrow: 999, 1.2k, 45k. */
const compactCount = (n: number): string =>
  n < 1000
    ? String(n)
    : n < 10_000
      ? `${(Math.floor(n / 100) / 10).toString()}k`
      : `${Math.floor(n / 1000)}k`;

export class App implements AppContext {
  readonly entries = new EntryList();
  #state: SessionState | null = null;
  /** Set when the event stream (re)connects: its first state is current whatever its revision. */
  #freshStream = true;
  readonly #queue: UpdateQueue;
  readonly #root: HTMLElement;
  readonly #pill = h(
    'button',
    { type: 'button', class: 'pill', title: 'Show the status', 'data-testid': 'status-pill' },
    'Connecting…',
  );
  readonly #headerButton = h('button', { type: 'button', class: 'danger header-button', hidden: true });
  readonly #banner = h('div', { class: 'banner', role: 'alert', hidden: true, 'data-testid': 'link-banner' });
  readonly #toast = new Toast();
  readonly #tabButtons = new Map<TabId, HTMLButtonElement>();
  readonly #panels = new Map<TabId, HTMLElement>();
  /** The controls switched off while the app is gone, to switch back on when it returns. */
  readonly #disabledWhileGone = new Set<
    HTMLButtonElement | HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement
  >();
  /** The count since start beside the Requests tab; read out as "Requests (4,000 since start)", not "Requests4000". */
  readonly #requestCount = h('span', { class: 'count', 'aria-hidden': 'true', 'data-testid': 'tab-count' });
  readonly #requestCountSpoken = h('span', { class: 'visually-hidden' });
  #requestTotal = 0;
  readonly #main: HTMLElement;
  readonly #loading = h('p', { class: 'loading muted' }, 'Connecting to the app…');
  readonly #views: View[];
  readonly #firstRun: FirstRunForm;
  readonly #stopped: StoppedView;
  readonly #inspector: Inspector;
  readonly #status: StatusCard;
  readonly #dialog: CleanupDialog;
  readonly #connectionEl: HTMLElement;
  readonly #checklistEl: HTMLElement;
  #tab: TabId = 'setup';
  /** Set after Stop & clean up until the 'stopped' state is shown: then focus goes to the report. */
  #focusReportWhenStopped = false;

  constructor(
    readonly api: ControlApi,
    root: HTMLElement,
  ) {
    this.#root = root;
    this.#queue = new UpdateQueue(nextFrame, (update) => this.#apply(update));
    const status = new StatusCard(this);
    this.#status = status;
    const portBusy = new PortBusyCard(this);
    this.#firstRun = new FirstRunForm(this);
    this.#stopped = new StoppedView();
    const connection = new ConnectionCard(this);
    const checklist = new ChecklistView();
    this.#inspector = new Inspector(this);
    const incidents = new IncidentsPanel(this);
    const check = new CheckPanel(this);
    const settings = new SettingsPanel(this);
    this.#dialog = new CleanupDialog(this, () => this.#afterCleanup());
    this.#views = [
      status,
      portBusy,
      this.#firstRun,
      this.#stopped,
      connection,
      checklist,
      incidents,
      check,
      settings,
    ];

    this.#panels.set(
      'setup',
      h(
        'div',
        { class: 'setup' },
        h('div', { class: 'wide' }, status.el, portBusy.el),
        h('div', { class: 'col' }, this.#firstRun.el, this.#stopped.el, connection.el),
        h('div', { class: 'col' }, checklist.el),
      ),
    );
    this.#checklistEl = checklist.el;
    this.#panels.set('requests', this.#inspector.el);
    this.#panels.set('incidents', incidents.el);
    this.#panels.set('check', check.el);
    this.#panels.set('settings', settings.el);
    this.#connectionEl = connection.el;

    const tablist = h('div', { class: 'tabs', role: 'tablist', 'aria-label': 'Sections' });
    tablist.addEventListener('keydown', (event) => this.#onTabKey(event));
    for (const { id, label } of TABS) {
      const button = h(
        'button',
        {
          type: 'button',
          role: 'tab',
          id: `tab-${id}`,
          'aria-controls': `panel-${id}`,
          'data-testid': `tab-${id}`,
          onclick: () => this.showTab(id),
        },
        label,
        id === 'requests' ? this.#requestCount : null,
        id === 'requests' ? this.#requestCountSpoken : null,
      );
      this.#tabButtons.set(id, button);
      tablist.append(button);
      const panel = this.#panels.get(id)!;
      panel.id = `panel-${id}`;
      panel.setAttribute('role', 'tabpanel');
      panel.setAttribute('aria-labelledby', `tab-${id}`);
      panel.classList.add('panel');
    }

    this.#headerButton.addEventListener('click', () => this.#onHeaderButton());
    this.#pill.addEventListener('click', () => this.showTab('setup'));
    this.#main = h('main', { hidden: true }, tablist, ...this.#panels.values());
    fill(
      root,
      h(
        'header',
        { class: 'top' },
        h(
          'div',
          { class: 'top-row' },
          h(
            'span',
            { class: 'brand' },
            h('span', { class: 'logo', 'aria-hidden': 'true' }),
            h('span', { class: 'brand-name' }, 'Mirror Tray'),
          ),
          this.#pill,
          this.#headerButton,
        ),
        this.#toast.el,
      ),
      this.#banner,
      this.#loading,
      this.#main,
      this.#dialog.el,
    );
    this.showTab('setup');
  }

  get state(): SessionState | null {
    return this.#state;
  }

  start(): void {
    connectStream({
      api: this.api,
      onEvent: (event) => this.#queue.push(event),
      onLink: (link) => this.#onLink(link),
    });
  }

  /**
   * Shows the state an action answered with, unless the event stream has brought a newer one (by
   * revision; a tunnel may come online before the answer arrives). Either way the newest is
   * rendered again, since the action may have changed what a view shows (a form closed).
   */
  applyState(state: SessionState): void {
    this.#queue.flushNow();
    this.#renderState(this.#state && this.#state.revision > state.revision ? this.#state : state);
  }

  announce(message: string, tone: Tone = 'info'): void {
    this.#toast.show(message, tone, this.#state);
  }

  showTab(tab: TabId, focus = false): void {
    // Each tab opens at its top (a long log's scroll position must not carry over to Settings).
    if (tab !== this.#tab) window.scrollTo(0, 0);
    this.#tab = tab;
    for (const [id, button] of this.#tabButtons) {
      const selected = id === tab;
      button.setAttribute('aria-selected', String(selected));
      button.tabIndex = selected ? 0 : -1;
      this.#panels.get(id)!.hidden = !selected;
    }
    if (focus) this.#tabButtons.get(tab)?.focus();
  }

  askForAuthtoken(): void {
    this.showTab('setup');
    this.#firstRun.open();
  }

  openCleanup(): void {
    this.#dialog.open();
  }

  #apply(update: PendingUpdate): void {
    // An action's answer may already have shown a newer state than this one from the stream. After
    // a reconnect the app may have restarted (revisions start again), so the first state is taken as is.
    const state = update.state;
    if (state && (this.#freshStream || !this.#state || state.revision >= this.#state.revision)) {
      this.#freshStream = false;
      this.#renderState(state);
    }
    if (update.reset || update.entries.length > 0 || update.total !== null) {
      if (update.reset) this.entries.clear();
      const change = this.entries.add(update.entries);
      this.#inspector.apply(change, update.reset, update.total, update.hasOlder);
      // Requests since start, not the entries kept (the log keeps the last 500).
      if (update.total !== null) this.#requestTotal = update.total;
      const total = Math.max(this.#requestTotal, this.entries.size);
      setText(this.#requestCount, total > 0 ? compactCount(total) : '');
      setText(this.#requestCountSpoken, total > 0 ? `(${formatCount(total)} since start)` : '');
    }
  }

  #renderState(state: SessionState): void {
    if (this.#state) this.#toast.stateChanged(state);
    this.#state = state;
    show(this.#loading, false);
    show(this.#main, true);
    const view = statusView(state);
    setText(this.#pill, view.pill);
    this.#pill.title = `${view.pill}: show the status`;
    this.#pill.dataset.tone = view.tone;
    document.title = `${view.headline} · StackState Mirror Tray`;
    const stopped = state.phase === 'stopped';
    show(this.#headerButton, state.phase !== 'stopping');
    // The one Start button, in every tab: the Setup tab has none of its own.
    setText(this.#headerButton, stopped ? 'Start' : 'Stop & clean up');
    this.#headerButton.className = `header-button ${stopped ? 'primary' : 'danger'}`;
    this.#headerButton.setAttribute('data-testid', stopped ? 'start' : 'stop-cleanup');
    show(this.#connectionEl, !stopped);
    show(this.#checklistEl, !stopped);
    // Only a source that can simulate incidents (the demo) lists series for them.
    const incidents = state.catalog.metrics.length > 0;
    show(this.#tabButtons.get('incidents')!, incidents);
    if (!incidents && this.#tab === 'incidents') this.showTab('setup');
    // The tab bar has room for four: without incidents to simulate, checking a mirror takes their place.
    show(this.#tabButtons.get('check')!, !incidents);
    if (incidents && this.#tab === 'check') this.showTab('setup');
    for (const view of this.#views) view.update(state);
    this.#inspector.update(state);
    // Only the state that ends the clean-up moves focus (not a later stop, after a Start meanwhile).
    if (this.#focusReportWhenStopped && state.phase !== 'stopping') {
      this.#focusReportWhenStopped = false;
      if (stopped) this.#stopped.focus();
    }
  }

  /**
   * Shows the clean-up report and puts focus in it. The report is hidden until the 'stopped' state is
   * rendered, and focus must not fall back to the header button, which then reads "Start" (Enter
   * again would restart the mirror). The state is normally queued for the next frame already: flush
   * it. Else (the stream is behind or down) ask for it, and focus the report once it is shown.
   */
  #afterCleanup(): void {
    this.showTab('setup');
    this.#queue.flushNow();
    if (this.#state?.phase === 'stopped') {
      this.#stopped.focus();
      return;
    }
    this.#focusReportWhenStopped = true;
    // The answer is rendered only if the stream has not brought a newer state meanwhile.
    this.api.get<SessionState>(ROUTES.state).then(
      (state) => this.applyState(state),
      () => undefined,
    );
  }

  async #onHeaderButton(): Promise<void> {
    const state = this.#state;
    if (!state) return;
    if (state.phase !== 'stopped') {
      this.openCleanup();
      return;
    }
    const button = this.#headerButton;
    button.disabled = true;
    try {
      this.applyState(await this.api.post(ROUTES.start));
    } catch (error) {
      this.announce((error as Error).message, 'error');
    } finally {
      button.disabled = false;
    }
  }

  #onLink(link: Link): void {
    this.#root.dataset.link = link.state;
    if (link.state === 'open') {
      this.#freshStream = true;
      this.#setActionsEnabled(true);
      show(this.#banner, false);
      return;
    }
    if (link.state === 'refused') {
      // Final: the token will not start working. Nothing of the session stays on the page.
      this.#main.remove();
      this.#loading.remove();
      setText(this.#pill, 'Not connected');
      this.#pill.dataset.tone = 'error';
      show(this.#headerButton, false);
      showTokenRefused(this.#banner, link.message);
      return;
    }
    if (link.state === 'busy') {
      showStreamBusy(this.#banner, link.message);
      return;
    }
    if (link.state === 'down' && !this.#state) {
      setText(this.#loading, 'Cannot reach the app. Retrying…');
      return;
    }
    if (link.state === 'down') this.#appGone();
  }

  /**
   * The event stream dropped: the app has stopped (quit, crashed, killed) or its machine sleeps.
   * Nothing on the page can act on it now, so every action is off, the dead URL included, and the
   * banner says how to get a working window back. The stream keeps trying; if the app answers again
   * the page comes back by itself.
   */
  #appGone(): void {
    setText(this.#pill, 'App stopped');
    this.#pill.dataset.tone = 'error';
    this.#headerButton.disabled = true;
    this.#dialog.el.close();
    this.#status.showAppGone();
    this.#setActionsEnabled(false);
    showAppGone(this.#banner);
  }

  /** Switches every action in the page off (remembering which) or back on. The tabs stay usable. */
  #setActionsEnabled(enabled: boolean): void {
    if (enabled) {
      for (const control of this.#disabledWhileGone) control.disabled = false;
      this.#disabledWhileGone.clear();
      this.#headerButton.disabled = false;
      return;
    }
    for (const control of this.#main.querySelectorAll<HTMLButtonElement>('button, input, textarea, select')) {
      if (control.disabled || control.getAttribute('role') === 'tab') continue;
      control.disabled = true;
      this.#disabledWhileGone.add(control);
    }
  }

  #onTabKey(event: KeyboardEvent): void {
    const order = TABS.map((t) => t.id).filter((id) => !this.#tabButtons.get(id)!.hidden);
    const next = tabAfterKey(order, this.#tab, event.key);
    if (!next) return;
    event.preventDefault();
    this.showTab(next, true);
  }
}
