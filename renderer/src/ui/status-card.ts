// The status card: the phase in words and colour, the session's sentence, mirror and tunnel lines,
// the network warning, and the buttons that phase needs.
import { ROUTES, type SessionState } from '../lib/contract';
import { statusView } from '../lib/status';
import type { AppContext, View } from './context';
import { fill, h, setText, show } from './dom';
import { InlineMessage, runFrom, setLinkedText } from './widgets';

export class StatusCard implements View {
  readonly el: HTMLElement;
  readonly #headline = h('h2', { class: 'status-headline', 'data-testid': 'status-headline' });
  readonly #dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  readonly #message = h('p', { class: 'status-message', 'data-testid': 'status-message' });
  readonly #hint = h('p', { class: 'status-hint' });
  readonly #lines = h('p', { class: 'status-lines muted' });
  readonly #warning = h('p', { class: 'warning', role: 'note', hidden: true });
  readonly #actions = h('div', { class: 'actions' });
  readonly #error = new InlineMessage();
  #actionsKey = '';

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

  update(state: SessionState): void {
    const view = statusView(state);
    this.el.dataset.tone = view.tone;
    this.el.dataset.phase = state.phase;
    setText(this.#headline, view.headline);
    setLinkedText(this.#message, view.message);
    setText(this.#hint, view.hint ?? '');
    show(this.#hint, view.hint !== null);
    const lines = `${view.mirrorLine}\n${view.tunnelLine}`;
    if (this.#lines.textContent !== lines) fill(this.#lines, view.mirrorLine, h('br'), view.tunnelLine);
    show(this.#warning, view.networkWarning !== null);
    setText(this.#warning, view.networkWarning ? `⚠ ${view.networkWarning}` : '');
    this.#renderActions(state);
  }

  #renderActions(state: SessionState): void {
    const key = `${state.phase}|${state.tunnel.kind}`;
    if (key === this.#actionsKey) return;
    this.#actionsKey = key;
    this.#error.clear();
    const buttons: HTMLButtonElement[] = [];
    const onError = (message: string) => this.#error.show(message, 'error');
    if (state.phase === 'tunnel-error' || state.phase === 'error') {
      const retry = h('button', {
        type: 'button',
        class: 'primary',
        text: state.phase === 'error' ? 'Start again' : 'Try again',
        onclick: () =>
          runFrom(
            retry,
            'Restarting…',
            async () => {
              if (state.phase !== 'error') await this.ctx.api.post(ROUTES.stop);
              this.ctx.applyState(await this.ctx.api.post(ROUTES.start));
            },
            onError,
          ),
      });
      buttons.push(retry);
    }
    if (state.phase === 'tunnel-error' && state.tunnel.kind === 'ngrok') {
      buttons.push(
        h('button', {
          type: 'button',
          text: 'Change authtoken',
          onclick: () => this.ctx.askForAuthtoken(),
        }),
      );
    }
    if (state.phase === 'error' || state.phase === 'tunnel-error') {
      buttons.push(
        h('button', { type: 'button', text: 'Settings', onclick: () => this.ctx.showTab('settings', true) }),
      );
    }
    fill(this.#actions, ...buttons);
    show(this.#actions, buttons.length > 0);
  }
}
