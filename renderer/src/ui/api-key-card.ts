// Settings → Api Key: the key the mirror answers with, "Regenerate…" (after a confirmation whose
// focus starts on Cancel) and "type your own". In front of the user's own mirror ("My own mirror")
// the key is that mirror's: both are hidden, and until its first answer the card says how to learn it.
import { API_KEY_MAX_CHARS, API_KEY_RULE, ROUTES, type SessionState } from '../lib/contract';
import { formatCount } from '../lib/format';
import { apiKeyProblem, friendlyActionError } from '../lib/settings-form';
import { confirmDialog } from './confirm-dialog';
import type { AppContext } from './context';
import { h, setText, show, uniqueId } from './dom';
import { InlineMessage, runFrom } from './widgets';

/** What stands in the key's place in front of the user's own mirror before it answered. */
export const UPSTREAM_KEY_PENDING =
  'Your mirror’s key appears after its first answer — press Self-test on the Setup tab.';

export class ApiKeyCard {
  readonly el: HTMLElement;
  readonly #apiKey = h('code', { class: 'value', 'data-testid': 'settings-api-key' });
  readonly #keyNote = h('p', { class: 'muted small', hidden: true, 'data-testid': 'api-key-source' });
  readonly #ownKey: HTMLInputElement;
  readonly #ownKeyCount = h('span', { class: 'muted small', 'data-testid': 'own-key-count' });
  readonly #ownKeyForm: HTMLFormElement;
  readonly #regenerate: HTMLButtonElement;
  readonly #message = new InlineMessage();

  constructor(private readonly ctx: AppContext) {
    this.#regenerate = h('button', {
      type: 'button',
      text: 'Regenerate…',
      'data-testid': 'regenerate-key',
      onclick: () => confirmRegenerate.showModal(),
    });
    const confirmRegenerate = this.#regenerateDialog(this.#regenerate);
    const ownKeyId = uniqueId('own-key');
    this.#ownKey = h('input', {
      id: ownKeyId,
      type: 'text',
      class: 'grow',
      spellcheck: false,
      autocomplete: 'off',
      placeholder: 'e.g. api_key',
      'aria-describedby': `${ownKeyId}-rule`,
      'data-testid': 'own-key',
      // No maxLength: a longer key pasted is refused with its length, not cut without a word.
      oninput: () => this.#countTyped(),
    });
    const useKey = h('button', { type: 'submit', text: 'Use this key', 'data-testid': 'use-own-key' });
    this.#ownKeyForm = h(
      'form',
      { class: 'stack', noValidate: true, onsubmit: (event: Event) => this.#useOwnKey(event, useKey) },
      h('label', { for: ownKeyId }, 'Or type your own'),
      h('div', { class: 'row-inline' }, this.#ownKey, useKey),
      h(
        'p',
        { class: 'muted small', id: `${ownKeyId}-rule` },
        `${API_KEY_RULE}, e.g. the tutorial’s api_key. `,
        this.#ownKeyCount,
      ),
    );
    this.el = h(
      'section',
      { class: 'card stack', 'aria-labelledby': 'key-title' },
      h('h2', { id: 'key-title' }, 'Api Key'),
      h('div', { class: 'field' }, this.#apiKey, this.#regenerate),
      this.#keyNote,
      this.#ownKeyForm,
      h(
        'p',
        { class: 'muted small' },
        'It identifies this mirror to StackState (sent in every response); it is not a password.',
      ),
      this.#message.el,
      confirmRegenerate,
    );
  }

  update(state: SessionState): void {
    const upstream = state.dataSource.kind === 'upstream';
    const key = state.connection.apiKey;
    setText(this.#apiKey, key ?? UPSTREAM_KEY_PENDING);
    this.#apiKey.classList.toggle('pending', key === null);
    // The app's own key does nothing in front of the user's mirror: nothing to regenerate or type here.
    show(this.#regenerate, !upstream);
    show(this.#ownKeyForm, !upstream);
    const note = keyNote(state);
    show(this.#keyNote, note !== null);
    setText(this.#keyNote, note ?? '');
  }

  #countTyped(): void {
    const length = [...this.#ownKey.value.trim()].length;
    setText(this.#ownKeyCount, length > 0 ? `${formatCount(length)} of ${API_KEY_MAX_CHARS}.` : '');
    this.#ownKeyCount.classList.toggle('tone-error', length > API_KEY_MAX_CHARS);
  }

  /** Regenerate asks first: StackState rejects the mirror until the new key is pasted there. */
  #regenerateDialog(opener: HTMLButtonElement): HTMLDialogElement {
    return confirmDialog({
      opener,
      title: 'Replace the Api Key?',
      testId: 'regenerate-dialog',
      confirmLabel: 'Regenerate',
      confirmTestId: 'confirm-regenerate',
      body: [
        'The mirror answers with the new key at once. StackState still expects the old one, so it rejects every answer until you paste the new key into the Mirror data source: ',
        h('b', { class: 'ui' }, 'Settings'),
        ' → ',
        h('b', { class: 'ui' }, 'Telemetry Sources'),
        ' → ',
        h('b', { class: 'ui' }, 'Mirror sources'),
        ', the data source, ',
        h('b', { class: 'ui' }, 'Api Key'),
        ', then ',
        h('b', { class: 'ui' }, 'TEST CONNECTION'),
        ' and ',
        h('b', { class: 'ui' }, 'SAVE'),
        '.',
      ],
      confirm: async () => {
        this.ctx.applyState(await this.ctx.api.post(ROUTES.regenerateApiKey));
        this.#message.show(
          'New key in use. Paste it into the Mirror data source in StackState (Api Key), or StackState rejects the mirror.',
          'warn',
        );
      },
      onError: (message) => this.#message.show(message, 'error'),
    });
  }

  async #useOwnKey(event: Event, button: HTMLButtonElement): Promise<void> {
    event.preventDefault();
    this.#message.clear();
    const typed = this.#ownKey.value.trim();
    const problem = apiKeyProblem(typed);
    if (problem) {
      this.#message.show(problem, 'error');
      this.#ownKey.focus();
      return;
    }
    await runFrom(
      button,
      'Saving…',
      async () => {
        const state = await this.ctx.api.put<SessionState>(ROUTES.settings, { apiKey: typed });
        this.ctx.applyState(state);
        this.#ownKey.value = '';
        this.#countTyped();
        // The key the app answers with now, as it says: not the text typed.
        this.#message.show(
          `The mirror now answers with the key ${state.connection.apiKey}. Paste the same into the Mirror data source in StackState (Api Key).`,
          'ok',
        );
      },
      (message) => this.#message.show(friendlyActionError(message), 'error'),
    );
  }
}

/** Where the key shown comes from, when it is not simply the saved one. */
function keyNote(state: SessionState): string | null {
  if (state.dataSource.kind === 'upstream') {
    return state.connection.apiKey === null
      ? 'In front of your own mirror, StackState needs your mirror’s key, not this app’s: the mirror passes your mirror’s answers on unchanged, key included.'
      : 'This is the key your own mirror sends; this app passes it on unchanged. To change it, change it in your mirror.';
  }
  if (state.settings.sources.apiKey === 'command-line') {
    return 'From the command line (--api-key), for this run only. A key set here replaces it and is saved.';
  }
  return null;
}
