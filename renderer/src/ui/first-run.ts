// First run: paste an ngrok authtoken (saved by the session, which then opens the tunnel: that is
// the check), or choose to run with no tunnel when StackState runs on this machine.
import { ROUTES, type SessionState } from '../lib/contract';
import { authtokenSavedMessage, firstRunView } from '../lib/first-run';
import { friendlyActionError } from '../lib/settings-form';
import type { AppContext, View } from './context';
import { externalLink, h, setText, show, uniqueId } from './dom';
import { InlineMessage, runFrom } from './widgets';

const AUTHTOKEN_URL = 'https://dashboard.ngrok.com/get-started/your-authtoken';

export class FirstRunForm implements View {
  readonly el: HTMLElement;
  readonly #input: HTMLInputElement;
  readonly #save: HTMLButtonElement;
  readonly #title = h('h2', { text: 'Connect the tunnel' });
  readonly #intro = h('p');
  readonly #message = new InlineMessage();
  readonly #cancel: HTMLButtonElement;
  readonly #noTunnelBlock: HTMLElement;
  /**
   * Opened on request (Change authtoken, Settings → Replace…/Add…): shown in any phase, stopped
   * included, until Cancel or a successful save.
   */
  #forced = false;

  constructor(private readonly ctx: AppContext) {
    const inputId = uniqueId('authtoken');
    this.#input = h('input', {
      id: inputId,
      type: 'password',
      class: 'grow',
      autocomplete: 'off',
      spellcheck: false,
      required: true,
      placeholder: 'Paste your authtoken',
      'data-testid': 'authtoken-input',
    });
    this.#save = h('button', { type: 'submit', class: 'primary', text: 'Save and connect' });
    this.#cancel = h('button', {
      type: 'button',
      text: 'Cancel',
      hidden: true,
      onclick: () => {
        this.#forced = false;
        this.#input.value = '';
        this.#message.clear();
        if (this.ctx.state) this.update(this.ctx.state);
      },
    });
    const noTunnel = h('button', {
      type: 'button',
      text: 'Run without a tunnel',
      'data-testid': 'no-tunnel',
      onclick: () =>
        runFrom(
          noTunnel,
          'Switching…',
          async () => {
            const state = await this.ctx.api.put<SessionState>(ROUTES.settings, { tunnel: 'none' });
            this.#forced = false;
            this.ctx.applyState(state);
          },
          (message) => this.#message.show(message, 'error'),
        ),
    });
    this.#noTunnelBlock = h(
      'div',
      { class: 'alt' },
      h(
        'p',
        { class: 'muted' },
        'StackState runs on this machine (in Docker)? Then it needs no tunnel: it reaches the mirror at host.docker.internal.',
      ),
      noTunnel,
    );
    const form = h(
      'form',
      { class: 'stack', onsubmit: (event: Event) => this.#submit(event) },
      h('label', { for: inputId }, 'ngrok authtoken'),
      h('div', { class: 'row-inline' }, this.#input, this.#save, this.#cancel),
      h(
        'p',
        { class: 'muted small' },
        'Get it from ',
        externalLink(AUTHTOKEN_URL, 'your ngrok dashboard'),
        ' (a free account is enough). It is saved on this computer and never shown again.',
      ),
    );
    this.el = h(
      'section',
      { class: 'card first-run', 'data-testid': 'first-run', hidden: true },
      this.#title,
      this.#intro,
      form,
      this.#message.el,
      this.#noTunnelBlock,
    );
  }

  open(): void {
    this.#forced = true;
    if (this.ctx.state) this.update(this.ctx.state);
    this.#input.focus();
  }

  update(state: SessionState): void {
    const view = firstRunView(state, this.#forced);
    show(this.el, view.visible);
    show(this.#cancel, view.cancellable);
    show(this.#noTunnelBlock, state.tunnel.kind === 'ngrok');
    setText(this.#title, view.title);
    setText(this.#intro, view.intro);
    if (!this.#save.hasAttribute('aria-busy')) setText(this.#save, view.saveLabel);
  }

  async #submit(event: Event): Promise<void> {
    event.preventDefault();
    const token = this.#input.value.trim();
    if (!token) {
      this.#message.show('Paste the authtoken first.', 'error');
      this.#input.focus();
      return;
    }
    this.#message.clear();
    await runFrom(
      this.#save,
      'Saving…',
      async () => {
        const state = await this.ctx.api.put<SessionState>(ROUTES.settings, { ngrokAuthtoken: token });
        this.#input.value = '';
        this.#forced = false;
        this.ctx.applyState(state);
        this.ctx.announce(authtokenSavedMessage(state), 'info');
      },
      (message) => {
        this.#message.show(friendlyActionError(message), 'error');
        this.#input.focus();
      },
    );
    // The button's label follows the phase, which may have changed while saving.
    if (this.ctx.state) this.update(this.ctx.state);
  }
}
