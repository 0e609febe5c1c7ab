// The mirror's port is taken (by the tutorial's Python sample, say): which program holds it, where
// the OS says, and the one action that gets the mirror up from here, "Use a free port". Shown only
// in that state; the status card above says the same sentence the headless output prints.
import { type PortBusy, ROUTES, type SessionState } from '../lib/contract';
import { friendlyActionError } from '../lib/settings-form';
import type { AppContext, View } from './context';
import { h, setText, show } from './dom';
import { InlineMessage, runFrom } from './widgets';

export class PortBusyCard implements View {
  readonly el: HTMLElement;
  readonly #title = h('h2', { 'data-testid': 'port-busy-title' });
  readonly #holder = h('p', { 'data-testid': 'port-busy-holder' });
  readonly #command = h('code', { class: 'value', 'data-testid': 'port-busy-command' });
  readonly #advice = h('p');
  readonly #after = h('p', { class: 'muted' });
  readonly #button = h('button', {
    type: 'button',
    class: 'primary',
    text: 'Use a free port',
    'data-action': 'free-port',
  });
  readonly #error = new InlineMessage();

  constructor(private readonly ctx: AppContext) {
    this.el = h(
      'section',
      { class: 'card port-busy', hidden: true, 'aria-labelledby': 'port-busy-title' },
      this.#title,
      this.#holder,
      this.#command,
      this.#advice,
      h('div', { class: 'actions' }, this.#button),
      this.#after,
      this.#error.el,
    );
    this.#title.id = 'port-busy-title';
    this.#button.addEventListener('click', () => void this.#useFreePort());
  }

  update(state: SessionState): void {
    const busy = state.mirror.portBusy;
    show(this.el, busy !== null);
    if (!busy) return;
    setText(this.#title, `Port ${busy.port} is taken`);
    setText(this.#holder, holderSentence(busy));
    setText(this.#advice, advice(busy));
    setText(this.#command, busy.command ?? '');
    show(this.#command, busy.command !== null);
    setText(
      this.#after,
      state.tunnel.kind === 'ngrok'
        ? 'The mirror then listens on another local port and keeps it (saved in Settings). The public Mirror URL does not depend on it.'
        : 'The mirror then listens on another port and keeps it (saved in Settings): paste the new Mirror URL into StackState.',
    );
  }

  async #useFreePort(): Promise<void> {
    this.#error.clear();
    await runFrom(
      this.#button,
      'Starting…',
      async () => this.ctx.applyState(await this.ctx.api.post<SessionState>(ROUTES.useFreePort)),
      (message) => this.#error.show(friendlyActionError(message), 'error'),
    );
  }
}

/** Who holds the port, ending with a colon when its command line follows. */
function holderSentence(busy: PortBusy): string {
  const end = busy.command ? ', running:' : '.';
  if (busy.heldByThisApp)
    return `Another StackState Mirror Tray is listening on it${busy.holder ? ` (${busy.holder})` : ''}${end}`;
  if (busy.holder) return `${busy.holder} is listening on it${end}`;
  return 'This system did not say which program holds it (it may belong to another user).';
}

function advice(busy: PortBusy): string {
  if (busy.heldByThisApp)
    return 'Stop that one (Quit in its tray, or Ctrl+C where it was started) and press Start again, or use a free port here.';
  return "Often it is the tutorial's Python sample. Stop it and press Start again, or use a free port.";
}
