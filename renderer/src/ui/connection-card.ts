// The three values for StackState's Mirror data source form, each with a copy button, "Copy all",
// and the self-test (Test Connection through the URL StackState uses).
import { CONNECTION_FIELDS, type ConnectionField, copyAllText } from '../lib/connection-text';
import { ROUTES, type SelfTestResult, type SessionState } from '../lib/contract';
import { UPSTREAM_KEY_PENDING } from './api-key-card';
import { copyText } from './clipboard';
import type { AppContext, View } from './context';
import { h, setText, show } from './dom';
import { flashLabel, InlineMessage, runFrom } from './widgets';

export class ConnectionCard implements View {
  readonly el: HTMLElement;
  readonly #values = new Map<ConnectionField, HTMLElement>();
  readonly #copyButtons = new Map<ConnectionField, HTMLButtonElement>();
  readonly #copyAll: HTMLButtonElement;
  readonly #selfTest: HTMLButtonElement;
  readonly #result = new InlineMessage();
  readonly #localNote = h('p', { class: 'note', hidden: true });
  #connection: SessionState['connection'] | null = null;

  constructor(private readonly ctx: AppContext) {
    const rows = CONNECTION_FIELDS.map(({ key, label }) => {
      const value = h('code', { class: 'value', 'data-testid': `value-${key}` });
      const copy = h('button', {
        type: 'button',
        class: 'copy',
        text: 'Copy',
        'aria-label': `Copy ${label}`,
        'data-testid': `copy-${key}`,
        onclick: () => this.#copy(key, label, copy),
      });
      this.#values.set(key, value);
      this.#copyButtons.set(key, copy);
      return h('div', { class: 'field' }, h('div', { class: 'field-label' }, label), value, copy);
    });
    this.#copyAll = h('button', {
      type: 'button',
      class: 'primary',
      text: 'Copy all',
      'data-testid': 'copy-all',
      onclick: () => this.#copyEverything(),
    });
    this.#selfTest = h('button', {
      type: 'button',
      text: 'Self-test',
      title: 'Calls Test Connection at the Mirror URL, as StackState will (or says why it cannot from here)',
      'data-testid': 'self-test',
      onclick: () => this.#runSelfTest(),
    });
    this.el = h(
      'section',
      { class: 'card connection', 'aria-labelledby': 'connection-title' },
      h('h2', { id: 'connection-title' }, 'Paste into StackState'),
      h(
        'p',
        { class: 'muted small' },
        'Settings → Telemetry Sources → Mirror sources → ADD MIRROR SOURCE asks for these three values.',
      ),
      ...rows,
      this.#localNote,
      h(
        'p',
        { class: 'muted small' },
        'The Api Key is sent back in every response and identifies this mirror to StackState. It is not a password.',
      ),
      h('div', { class: 'actions' }, this.#copyAll, this.#selfTest),
      this.#result.el,
    );
  }

  update(state: SessionState): void {
    const connection = state.connection;
    this.#connection = connection;
    for (const { key } of CONNECTION_FIELDS) {
      const value = connection[key];
      const element = this.#values.get(key)!;
      const waiting = value === null;
      setText(element, waiting ? (key === 'apiKey' ? UPSTREAM_KEY_PENDING : missingUrlText(state)) : value);
      element.classList.toggle('pending', waiting);
      this.#copyButtons.get(key)!.disabled = waiting;
    }
    this.#copyAll.disabled = copyAllText(connection) === null;
    this.#selfTest.disabled = state.mirror.port === null || connection.mirrorUrl === null;
    // With ngrok wanted but not online, the URL shown is the local one: say who can use it.
    const local =
      state.tunnel.kind === 'ngrok' &&
      connection.mirrorUrl !== null &&
      connection.mirrorUrl === state.mirror.localUrl;
    show(this.#localNote, local);
    setText(
      this.#localNote,
      local
        ? 'This is a local address: only a StackState on this machine (not in Docker) can use it. A remote StackState needs the tunnel’s public URL.'
        : '',
    );
  }

  async #copy(key: ConnectionField, label: string, button: HTMLButtonElement): Promise<void> {
    const value = this.#connection?.[key];
    if (!value) return;
    const ok = await copyText(value);
    flashLabel(button, ok ? 'Copied' : 'Failed');
    this.ctx.announce(ok ? `${label} copied.` : `Could not copy ${label}.`, ok ? 'ok' : 'error');
  }

  async #copyEverything(): Promise<void> {
    const text = this.#connection ? copyAllText(this.#connection) : null;
    if (!text) return;
    const ok = await copyText(text);
    flashLabel(this.#copyAll, ok ? 'Copied all' : 'Failed');
    this.ctx.announce(ok ? 'All three values copied.' : 'Could not copy.', ok ? 'ok' : 'error');
  }

  async #runSelfTest(): Promise<void> {
    this.#result.clear();
    const result = await runFrom(
      this.#selfTest,
      'Testing…',
      () => this.ctx.api.post<SelfTestResult>(ROUTES.selfTest),
      (message) => this.#result.show(message, 'error'),
    );
    if (!result) return;
    // A tick only when the Mirror URL itself answered as StackState needs; a local stand-in is a warning.
    const partial = !result.ok && result.reach === 'this-machine' && result.keyHeaderMatches;
    const mark = result.ok ? '✓' : partial ? '!' : '✗';
    this.#result.show(`${mark} ${result.message}`, result.ok ? 'ok' : partial ? 'warn' : 'error');
    // The result is under the card's buttons, often below the fold at 360 px: bring it into view.
    this.#result.el.scrollIntoView({ block: 'nearest' });
  }
}

/** What stands in the Mirror URL's place while there is none: what is missing, in a few words. */
function missingUrlText(state: SessionState): string {
  switch (state.phase) {
    case 'stopped':
    case 'stopping':
      return 'not running';
    case 'error':
      return 'none: the mirror is down (see above)';
    case 'starting':
      return 'starting the mirror…';
    default:
      return 'waiting for the tunnel…';
  }
}
