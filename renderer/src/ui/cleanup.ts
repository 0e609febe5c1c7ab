// Stop & clean up: a confirmation dialog that says what will stop and what will be forgotten, the
// report afterwards (what was done, what is left to do in StackState), and Start to come back.
import { type CleanupOptions, type CleanupReport, ROUTES, type SessionState } from '../lib/contract';
import { formatClock } from '../lib/format';
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
    const cancel = h('button', { type: 'button', text: 'Cancel', onclick: () => this.el.close() });
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
    if (state.tunnel.publicUrl && state.tunnel.kind === 'ngrok') {
      items.push(`Close the ngrok tunnel: ${state.tunnel.publicUrl} stops working.`);
    } else if (state.tunnel.status.state !== 'closed') items.push('Close the tunnel.');
    if (state.mirror.port !== null) {
      items.push(`Stop the mirror on port ${state.mirror.port} and check that its ports are free.`);
    }
    items.push(`Clear the request log (${this.ctx.entries.size} requests).`);
    if (state.incidents.length > 0) items.push(`End ${state.incidents.length} simulated incident(s).`);
    items.push('Reset the checklist.');
    fill(this.#what, ...items.map((item) => h('li', null, item)));
    this.#forgetToken.checked = false;
    this.#forgetSettings.checked = false;
    setText(
      this.#forgetTokenLabel,
      state.settings.hasAuthtoken
        ? `the ngrok authtoken (${state.settings.authtokenHint ?? 'saved'})`
        : 'the ngrok authtoken (none saved)',
    );
    this.#syncBoxes();
    this.#message.clear();
    this.el.showModal();
    this.#confirm.focus();
  }

  #syncBoxes(): void {
    const all = this.#forgetSettings.checked;
    this.#forgetToken.disabled = all || !this.ctx.state?.settings.hasAuthtoken;
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

/** Shown instead of the connection details while stopped: the clean-up report, and Start. */
export class StoppedView implements View {
  readonly el: HTMLElement;
  readonly #title = h('h2', { tabIndex: -1, 'data-testid': 'stopped-title' });
  readonly #intro = h('p');
  readonly #steps = h('ul', { class: 'report', 'data-testid': 'cleanup-steps' });
  readonly #remainingBlock: HTMLElement;
  readonly #remaining = h('ul', { class: 'todo-list', 'data-testid': 'remaining' });
  readonly #start: HTMLButtonElement;
  readonly #message = new InlineMessage();
  #reportKey = '';

  constructor(private readonly ctx: AppContext) {
    this.#start = h('button', {
      type: 'button',
      class: 'primary',
      text: 'Start',
      'data-testid': 'start',
      onclick: () =>
        runFrom(
          this.#start,
          'Starting…',
          async () => this.ctx.applyState(await this.ctx.api.post(ROUTES.start)),
          (message) => this.#message.show(message, 'error'),
        ),
    });
    this.#remainingBlock = h('div', null, h('h3', null, 'Still to do in StackState'), this.#remaining);
    this.el = h(
      'section',
      { class: 'card stopped', 'data-testid': 'stopped', hidden: true, 'aria-labelledby': 'stopped-title' },
      this.#title,
      this.#intro,
      this.#steps,
      this.#remainingBlock,
      h('div', { class: 'actions' }, this.#start),
      this.#message.el,
    );
    this.#title.id = 'stopped-title';
  }

  focus(): void {
    this.#title.focus();
  }

  update(state: SessionState): void {
    show(this.el, state.phase === 'stopped');
    const report = state.lastCleanup;
    const key = report ? String(report.at) : 'none';
    if (key === this.#reportKey) return;
    this.#reportKey = key;
    this.#message.clear();
    if (!report) {
      setText(this.#title, 'Stopped');
      setText(this.#intro, 'Nothing is listening. Press Start to run the mirror again.');
      fill(this.#steps);
      show(this.#remainingBlock, false);
      return;
    }
    const ok = report.steps.every((step) => step.ok);
    setText(this.#title, ok ? 'Stopped and cleaned up' : 'Stopped: some steps need a look');
    setText(this.#intro, `At ${formatClock(report.at)}:`);
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
