// Stop & clean up: a confirmation dialog that says what will stop and what will be forgotten, the
// report afterwards (what was done, what is left to do in StackState), and Start to come back.
import { type CleanupOptions, type CleanupReport, ROUTES, type SessionState } from '../lib/contract';
import { plural } from '../lib/format';
import { formatTimestamp } from '../lib/time-format';
import type { AppContext, View } from './context';
import { fill, h, setText, show } from './dom';
import { InlineMessage, runFrom } from './widgets';

export class CleanupDialog {
  readonly el: HTMLDialogElement;
  readonly #what = h('ul', { class: 'what' });
  readonly #forgetToken: HTMLInputElement;
  readonly #forgetTokenLabel = h('span');
  readonly #forgetSettings: HTMLInputElement;
  readonly #confirm: HTMLButtonElement;
  readonly #cancel: HTMLButtonElement;
  readonly #message = new InlineMessage();

  constructor(
    private readonly ctx: AppContext,
    private readonly onDone: (report: CleanupReport) => void,
  ) {
    this.#forgetToken = h('input', { type: 'checkbox', 'data-testid': 'forget-token' });
    this.#forgetSettings = h('input', { type: 'checkbox', 'data-testid': 'forget-settings' });
    this.#forgetSettings.addEventListener('change', () => this.#syncBoxes());
    this.#confirm = h('button', {
      type: 'button',
      class: 'danger',
      text: 'Stop & clean up',
      'data-testid': 'confirm-cleanup',
      onclick: () => this.#run(),
    });
    const cancel = h('button', {
      type: 'button',
      text: 'Cancel',
      'data-testid': 'cancel-cleanup',
      onclick: () => this.el.close(),
    });
    this.#cancel = cancel;
    this.el = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'cleanup-title', 'data-testid': 'cleanup-dialog' },
      h('h2', { id: 'cleanup-title' }, 'Stop & clean up?'),
      h('p', null, 'This will:'),
      this.#what,
      h('p', null, 'Also forget:'),
      h('label', { class: 'check' }, this.#forgetToken, this.#forgetTokenLabel),
      h(
        'label',
        { class: 'check' },
        this.#forgetSettings,
        h('span', null, 'all settings (port, domain, allow-list, Api Key and authtoken)'),
      ),
      h(
        'p',
        { class: 'muted small' },
        'StackState keeps its data source and stream: the report says where to remove them.',
      ),
      this.#message.el,
      h('div', { class: 'actions end' }, cancel, this.#confirm),
    );
  }

  open(): void {
    const state = this.ctx.state;
    if (!state) return;
    const items: string[] = [];
    // Said for the tunnel in use: with "none" there is none to close; the URL StackState uses dies with the mirror.
    if (state.tunnel.kind === 'ngrok' && state.tunnel.publicUrl) {
      items.push(`Close the ngrok tunnel: ${state.tunnel.publicUrl} stops working.`);
    } else if (state.tunnel.kind === 'ngrok' && state.tunnel.status.state !== 'closed') {
      items.push('Stop opening the ngrok tunnel.');
    }
    if (state.mirror.port !== null) {
      const url = state.tunnel.kind === 'none' ? ` (${state.connection.mirrorUrl} stops working)` : '';
      items.push(`Stop the mirror on port ${state.mirror.port}${url} and check that its ports are free.`);
    }
    items.push(`Clear the request log (${plural(this.ctx.entries.size, 'request')}).`);
    if (state.incidents.length > 0)
      items.push(`End ${plural(state.incidents.length, 'simulated incident')}.`);
    items.push('Reset the checklist.');
    fill(this.#what, ...items.map((item) => h('li', null, item)));
    this.#forgetToken.checked = false;
    this.#forgetSettings.checked = false;
    setText(this.#forgetTokenLabel, forgetTokenLabel(state));
    this.#syncBoxes();
    this.#message.clear();
    this.el.showModal();
    // The safe choice first: Enter right away must not stop everything.
    this.#cancel.focus();
  }

  #syncBoxes(): void {
    const all = this.#forgetSettings.checked;
    this.#forgetToken.disabled = all || this.ctx.state?.settings.authtokenSource !== 'saved';
    if (all) this.#forgetToken.checked = true;
  }

  async #run(): Promise<void> {
    const options: CleanupOptions = {
      forgetAuthtoken: this.#forgetToken.checked,
      forgetSettings: this.#forgetSettings.checked,
    };
    const report = await runFrom(
      this.#confirm,
      'Cleaning up…',
      () => this.ctx.api.post<CleanupReport>(ROUTES.cleanup, options),
      (message) => this.#message.show(message, 'error'),
    );
    if (report) {
      this.el.close();
      this.onDone(report);
    }
  }
}

/** The "forget the authtoken" choice, true to where the token comes from: only a saved one can be forgotten here. */
function forgetTokenLabel(state: SessionState): string {
  const { authtokenSource, authtokenHint, authtokenInEnvironment } = state.settings;
  if (authtokenSource === 'saved') {
    const after = authtokenInEnvironment ? '; NGROK_AUTHTOKEN stays set' : '';
    return `the saved ngrok authtoken (${authtokenHint ?? 'saved'})${after}`;
  }
  if (authtokenSource === 'environment') {
    return `the ngrok authtoken: none saved (${authtokenHint} comes from NGROK_AUTHTOKEN; unset it there)`;
  }
  return 'the ngrok authtoken (none saved)';
}

/** Shown instead of the connection details after Stop & clean up: the report. Start is in the header. */
export class StoppedView implements View {
  readonly el: HTMLElement;
  readonly #title = h('h2', { tabIndex: -1, 'data-testid': 'stopped-title' });
  readonly #intro = h('p');
  readonly #steps = h('ul', { class: 'report', 'data-testid': 'cleanup-steps' });
  readonly #remainingBlock: HTMLElement;
  readonly #remaining = h('ul', { class: 'todo-list', 'data-testid': 'remaining' });
  #reportKey = '';

  constructor() {
    this.#remainingBlock = h('div', null, h('h3', null, 'Still to do in StackState'), this.#remaining);
    this.el = h(
      'section',
      { class: 'card stopped', 'data-testid': 'stopped', hidden: true, 'aria-labelledby': 'stopped-title' },
      this.#title,
      this.#intro,
      this.#steps,
      this.#remainingBlock,
    );
    this.#title.id = 'stopped-title';
  }

  focus(): void {
    this.#title.focus();
  }

  update(state: SessionState): void {
    // A plain stop has no report: the status card says "Stopped", once.
    const report = state.lastCleanup;
    show(this.el, state.phase === 'stopped' && report !== null);
    const key = report ? String(report.at) : 'none';
    if (key === this.#reportKey || !report) return;
    this.#reportKey = key;
    const ok = report.steps.every((step) => step.ok);
    // The status card above already says "Stopped and cleaned up": this title names the report.
    setText(this.#title, ok ? 'Clean-up report' : 'Clean-up report: some steps need a look');
    setText(this.#intro, `At ${formatTimestamp(report.at, { now: Date.now() })}:`);
    fill(
      this.#steps,
      ...report.steps.map((step) =>
        h(
          'li',
          { class: step.ok ? 'ok' : 'failed' },
          h('span', { class: 'report-mark', 'aria-hidden': 'true' }, step.ok ? '✓' : '✗'),
          h(
            'span',
            null,
            h('b', null, step.what),
            h('span', { class: 'visually-hidden' }, step.ok ? ' (done)' : ' (failed)'),
            h('br'),
            h('span', { class: 'muted small' }, step.detail),
          ),
        ),
      ),
    );
    fill(
      this.#remaining,
      ...report.remainingInStackState.map((text) =>
        h(
          'li',
          null,
          h('label', { class: 'check' }, h('input', { type: 'checkbox' }), h('span', null, text)),
        ),
      ),
    );
    show(this.#remainingBlock, report.remainingInStackState.length > 0);
  }
}
