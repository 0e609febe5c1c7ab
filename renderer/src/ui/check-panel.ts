// "Check a mirror": the checks of `npm run check` for any mirror URL, from the window. Each protocol
// rule is one row (pass, fail or warn) with what was sent, what came back and why StackState cares.
import { type CheckMirrorResult, type MirrorCheck, ROUTES, type SessionState } from '../lib/contract';
import type { Tone } from '../lib/format';
import type { AppContext, View } from './context';
import { fill, h, setText, uniqueId } from './dom';
import { InlineMessage, runFrom } from './widgets';

const TONES: Record<MirrorCheck['status'], Tone> = { pass: 'ok', warn: 'warn', fail: 'error' };
const MARKS: Record<MirrorCheck['status'], string> = { pass: 'pass', warn: 'warn', fail: 'FAIL' };

export class CheckPanel implements View {
  readonly el: HTMLElement;
  readonly #url: HTMLInputElement;
  readonly #apiKey: HTMLInputElement;
  readonly #button: HTMLButtonElement;
  readonly #summary = h('p', { class: 'muted', 'data-testid': 'check-summary', role: 'status' });
  readonly #list = h('ul', { class: 'checks stack', 'data-testid': 'check-list' });
  readonly #message = new InlineMessage();

  constructor(private readonly ctx: AppContext) {
    const urlId = uniqueId('check-url');
    const keyId = uniqueId('check-key');
    this.#url = h('input', {
      id: urlId,
      type: 'url',
      required: true,
      placeholder: 'http://127.0.0.1:7008/',
      'data-testid': 'check-url',
    });
    this.#apiKey = h('input', {
      id: keyId,
      type: 'text',
      placeholder: 'optional',
      'data-testid': 'check-key',
    });
    this.#button = h('button', {
      type: 'submit',
      class: 'primary',
      text: 'Check',
      'data-testid': 'check-run',
    });
    const form = h(
      'form',
      { class: 'card stack', onsubmit: (event: Event) => this.#submit(event) },
      h('h2', null, 'Check a mirror'),
      h(
        'p',
        { class: 'muted small' },
        'Sends a mirror the requests StackState sends and grades every answer against the mirror protocol, as npm run check does.',
      ),
      h('label', { for: urlId }, 'Mirror URL'),
      this.#url,
      h('label', { for: keyId }, 'Api Key you will paste into StackState'),
      this.#apiKey,
      h('div', { class: 'actions' }, this.#button),
      this.#message.el,
    );
    this.el = h('div', { class: 'check-panel stack' }, form, this.#summary, this.#list);
  }

  update(state: SessionState): void {
    // Offer the upstream the app serves, until the user types another address.
    const upstream = state.dataSource.kind === 'upstream' ? state.settings.dataSource.url : undefined;
    if (typeof upstream === 'string' && this.#url.value === '') this.#url.value = upstream;
  }

  #submit(event: Event): void {
    event.preventDefault();
    this.#message.clear();
    const body = {
      url: this.#url.value.trim(),
      ...(this.#apiKey.value.trim() ? { apiKey: this.#apiKey.value.trim() } : {}),
    };
    void runFrom(
      this.#button,
      'Checking…',
      async () => this.#show(await this.ctx.api.post<CheckMirrorResult>(ROUTES.checkMirror, body)),
      (message) => this.#message.show(message, 'error'),
    );
  }

  #show(result: CheckMirrorResult): void {
    if (!result.reachable) {
      fill(this.#list);
      setText(this.#summary, '');
      this.#message.show(result.message, 'error');
      return;
    }
    const { pass, fail, warn } = result.summary;
    setText(this.#summary, `${pass} passed, ${fail} failed, ${warn} warned.`);
    fill(
      this.#list,
      ...result.checks.map((check) =>
        h(
          'li',
          { class: 'card', 'data-check': check.id, 'data-status': check.status },
          h('strong', { class: `tone-${TONES[check.status]}` }, `${MARKS[check.status]} `),
          h('span', null, check.title),
          h('p', { class: 'muted small' }, check.detail),
        ),
      ),
    );
    this.ctx.announce(`Check done: ${fail} failed.`, fail === 0 ? 'ok' : 'warn');
  }
}
