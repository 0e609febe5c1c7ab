// The status card: the phase in words and colour, the session's sentence, mirror and tunnel lines,
// the network warning, and the buttons that phase needs.
import { ROUTES, type SessionState } from '../lib/contract';
import { retryLine, type StatusAction, statusActions, statusView } from '../lib/status';
import { formatTimestamp } from '../lib/time-format';
import type { AppContext, View } from './context';
import { fill, h, setText, show } from './dom';
import { InlineMessage, runFrom, setLinkedText } from './widgets';

export class StatusCard implements View {
  readonly el: HTMLElement;
  /** Focusable from code: focus goes here when the focused button's action leaves with its phase. */
  readonly #headline = h('h2', { class: 'status-headline', tabIndex: -1, 'data-testid': 'status-headline' });
  readonly #dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  readonly #message = h('p', { class: 'status-message', 'data-testid': 'status-message' });
  /** What to do next, or the live countdown to the tunnel's next try (same place: the card does not jump). */
  readonly #hint = h('p', { class: 'status-hint', 'data-testid': 'status-hint' });
  #countdown = 0;
  readonly #lines = h('p', { class: 'status-lines muted' });
  readonly #warning = h('p', { class: 'warning', role: 'note', hidden: true });
  readonly #actions = h('div', { class: 'actions' });
  readonly #error = new InlineMessage();
  #actionsKey = '';
  /** True while Try again / Start again runs. */
  #running = false;
  /** The action whose button had focus when its phase ended; see #renderActions. */
  #focusAction: string | null = null;

  constructor(private readonly ctx: AppContext) {
    this.el = h(
      'section',
      { class: 'card status-card', 'aria-live': 'polite', 'aria-labelledby': 'status-headline' },
      h('div', { class: 'status-top' }, this.#dot, this.#headline),
      this.#message,
      this.#hint,
      this.#lines,
      this.#warning,
      this.#actions,
      this.#error.el,
    );
    this.#headline.id = 'status-headline';
  }

  /**
   * The app went away (see App's appGone): the card stops claiming the last state it heard, which
   * said "Ready" over a dead URL, and its countdown stops. The next state from the app redraws it.
   */
  showAppGone(): void {
    window.clearInterval(this.#countdown);
    if (this.el.dataset.phase === 'gone') return;
    const lastHeard = this.#headline.textContent;
    this.el.dataset.tone = 'error';
    this.el.dataset.phase = 'gone';
    setText(this.#headline, 'App not running');
    setText(
      this.#message,
      `The last state it reported was "${lastHeard}"; nothing here is current until it runs again.`,
    );
    // "Mirror: running at …" would be the same stale claim.
    for (const stale of [this.#hint, this.#lines, this.#warning, this.#actions]) show(stale, false);
    this.#actionsKey = ''; // so the next state rebuilds (and shows) its buttons
  }

  update(state: SessionState): void {
    const view = statusView(state);
    this.el.dataset.tone = view.tone;
    this.el.dataset.phase = state.phase;
    setText(this.#headline, view.headline);
    setLinkedText(this.#message, view.message);
    this.#showHint(state, view.hint);
    const lines = `${view.mirrorLine}\n${view.tunnelLine}`;
    if (this.#lines.textContent !== lines) fill(this.#lines, view.mirrorLine, h('br'), view.tunnelLine);
    show(this.#lines, true);
    show(this.#warning, view.networkWarning !== null);
    setText(this.#warning, view.networkWarning ? `⚠ ${view.networkWarning}` : '');
    this.#renderActions(state);
  }

  /** The hint, or the countdown to the next try, ticking each second while one is scheduled. */
  #showHint(state: SessionState, hint: string | null): void {
    window.clearInterval(this.#countdown);
    const render = () => {
      const text = hint ?? retryLine(state, Date.now());
      setText(this.#hint, text ?? '');
      show(this.#hint, text !== null);
    };
    render();
    if (hint === null && state.tunnel.retryAt !== null) this.#countdown = window.setInterval(render, 1000);
  }

  /**
   * The phase's buttons, rebuilt when the phase (or tunnel kind) changes, but not while an action
   * started here runs: "Try again" passes through stopped and starting, and rebuilding then would
   * drop the focused button and clear the error it may show. When the buttons are rebuilt, focus
   * stays on the same action; if the new phase has none, it goes to the headline, and back to the
   * action if it returns (a retry that fails again) while focus is still there.
   */
  #renderActions(state: SessionState): void {
    if (this.#running) return;
    const key = `${state.phase}|${state.tunnel.kind}`;
    if (key === this.#actionsKey) return;
    this.#actionsKey = key;
    this.#error.clear();
    const active = document.activeElement;
    const focused =
      active instanceof HTMLElement && this.#actions.contains(active) ? active.dataset.action : undefined;
    const wanted = focused ?? (active === this.#headline ? this.#focusAction : null);
    this.#focusAction = null;
    const buttons = statusActions(state).map((action) => this.#button(action, state));
    fill(this.#actions, ...buttons);
    show(this.#actions, buttons.length > 0);
    if (!wanted) return;
    const target = buttons.find((button) => button.dataset.action === wanted);
    if (target) target.focus();
    else {
      this.#headline.focus();
      this.#focusAction = wanted;
    }
  }

  #button(action: StatusAction, state: SessionState): HTMLButtonElement {
    const button = h('button', {
      type: 'button',
      class: action.primary ? 'primary' : undefined,
      text: action.label,
      'data-action': action.id,
    });
    button.addEventListener('click', () => {
      if (action.id === 'authtoken') this.ctx.askForAuthtoken();
      else if (action.id === 'settings') this.ctx.showTab('settings', true);
      else void this.#restart(button, state.phase === 'error' ? ROUTES.start : ROUTES.retryTunnel);
    });
    return button;
  }

  /** Try again (the tunnel only: the mirror keeps its port and URL) or Start again (the mirror). */
  async #restart(button: HTMLButtonElement, route: string): Promise<void> {
    this.#running = true;
    let failure = null as string | null;
    try {
      await runFrom(
        button,
        route === ROUTES.start ? 'Starting…' : 'Trying…',
        async () => this.ctx.applyState(await this.ctx.api.post(route)),
        (message) => {
          failure = message;
        },
      );
    } finally {
      this.#running = false;
    }
    // Now the buttons follow the phase the action left; its error stays shown.
    const state = this.ctx.state;
    if (state) this.#renderActions(state);
    if (failure) this.#error.show(failure, 'error');
    else if (state && stillFailing(state, route)) {
      // The same phase and sentence as before the click: say the try happened, and when.
      const at = formatTimestamp(Date.now(), { now: Date.now() });
      this.#error.show(
        route === ROUTES.start
          ? `Started again at ${at}: it failed again, for the reason above.`
          : `Tried again at ${at}: the tunnel failed again, for the reason above.`,
        'error',
      );
    }
  }
}

/** Whether the state after Start again / Try again is the failure it was meant to end. */
function stillFailing(state: SessionState, route: string): boolean {
  return route === ROUTES.start ? state.phase === 'error' : state.phase === 'tunnel-error';
}
