// Settings → ngrok authtoken: where the token in effect comes from, Replace/Add (the Setup form) and
// Forget (only a saved one: a token from the environment is not this app's to delete).
import { type PublicSettings, ROUTES, type SessionState } from '../lib/contract';
import { friendlyActionError } from '../lib/settings-form';
import type { AppContext } from './context';
import { h, setText, show } from './dom';
import { InlineMessage, runFrom } from './widgets';

export class AuthtokenCard {
  readonly el: HTMLElement;
  readonly #status = h('p', { 'data-testid': 'authtoken-status' });
  readonly #forget: HTMLButtonElement;
  readonly #replace: HTMLButtonElement;
  readonly #message = new InlineMessage();
  readonly #location = h('p', { class: 'muted small' });

  constructor(private readonly ctx: AppContext) {
    this.#forget = h('button', {
      type: 'button',
      class: 'danger',
      text: 'Forget authtoken',
      'data-testid': 'forget-authtoken',
      onclick: () => this.#forgetToken(),
    });
    this.#replace = h('button', { type: 'button', text: 'Replace…', onclick: () => ctx.askForAuthtoken() });
    this.el = h(
      'section',
      { class: 'card stack', 'aria-labelledby': 'token-title' },
      h('h2', { id: 'token-title' }, 'ngrok authtoken'),
      this.#status,
      h('div', { class: 'actions' }, this.#replace, this.#forget),
      this.#message.el,
      this.#location,
    );
  }

  update(state: SessionState): void {
    const s = state.settings;
    setText(this.#status, tokenStatus(s));
    show(this.#forget, s.authtokenSource === 'saved');
    setText(this.#replace, s.authtokenSource === 'saved' ? 'Replace…' : 'Add…');
    setText(
      this.#location,
      `Settings live in ${s.location}${s.encryptsSecrets ? '; the authtoken is encrypted there.' : '; the file is readable by your user only.'}`,
    );
  }

  #forgetToken(): Promise<unknown> {
    return runFrom(
      this.#forget,
      'Forgetting…',
      async () => {
        const state = await this.ctx.api.put<SessionState>(ROUTES.settings, { ngrokAuthtoken: null });
        this.ctx.applyState(state);
        const { authtokenSource, authtokenHint } = state.settings;
        this.#message.show(
          authtokenSource === 'environment'
            ? `The saved authtoken was deleted from this computer. The tunnel now uses the one from NGROK_AUTHTOKEN (${authtokenHint}).`
            : 'The saved authtoken was deleted from this computer.',
          'ok',
        );
      },
      (message) => this.#message.show(friendlyActionError(message), 'error'),
    );
  }
}

/** Where the token in effect comes from, in words: never "saved" for one from the environment. */
function tokenStatus(s: PublicSettings): string {
  const also = s.authtokenInEnvironment
    ? ' NGROK_AUTHTOKEN is set too; it takes over if this one is forgotten.'
    : '';
  switch (s.authtokenSource) {
    case 'saved':
      return `Saved on this computer: ${s.authtokenHint ?? '…'} (only the last characters are shown).${also}`;
    case 'environment':
      return `From the environment variable NGROK_AUTHTOKEN: ${s.authtokenHint ?? '…'}. Not saved here; to stop using it, unset the variable and restart the app. Add one to save it here instead.`;
    default:
      return s.tunnel === 'ngrok'
        ? 'None. The tunnel “ngrok” needs one: add it here or on the Setup tab.'
        : 'None. The tunnel is “none”, so none is needed.';
  }
}
