// Settings: port, data source, request time-out, tunnel, reserved domain, IP allow-list (one form,
// saved together), plus the API key (type your own, regenerate after a confirmation) and the ngrok
// authtoken (replace, forget). The form shows the values this run uses and says which come from the
// command line. A refused change (HTTP 400) is shown next to the form and what the user typed stays.
import { type DataSourceTestResult, type PublicSettings, ROUTES, type SessionState } from '../lib/contract';
import {
  commandLineValues,
  formValues,
  friendlyActionError,
  type SettingsFormValues,
  savedMessage,
  settingsPatch,
} from '../lib/settings-form';
import { ApiKeyCard } from './api-key-card';
import { AuthtokenCard } from './authtoken-card';
import type { AppContext, View } from './context';
import { DataSourceChoice } from './data-source-choice';
import { h, setText, show, uniqueId } from './dom';
import { checkedValue, numberInput, radioGroup, setValue } from './form-fields';
import { InlineMessage, runFrom } from './widgets';

export class SettingsPanel implements View {
  readonly el: HTMLElement;
  readonly #port: HTMLInputElement;
  readonly #portNote = h('p', { class: 'muted small', hidden: true });
  /** The data-source choice, drawn from the kinds the session lists (the registry), on the first state. */
  readonly #dataSource: DataSourceChoice;
  readonly #timeout: HTMLInputElement;
  readonly #tunnel: Map<string, HTMLInputElement>;
  readonly #domain: HTMLInputElement;
  readonly #cidrs: HTMLTextAreaElement;
  readonly #ngrokOnly: HTMLElement;
  readonly #save: HTMLButtonElement;
  readonly #formMessage = new InlineMessage();
  /** Which values come from the command line for this run only. */
  readonly #sourceNote = h('p', { class: 'note', hidden: true, 'data-testid': 'settings-sources' });
  readonly #keyCard: ApiKeyCard;
  readonly #tokenCard: AuthtokenCard;
  /** True once the user changed something: state updates then leave the form alone. */
  #dirty = false;
  /**
   * The settings the form shows, as they were when it was last filled. A save sends only what the
   * user changed from these, so a setting changed elsewhere meanwhile (the tray, Setup) is not undone.
   */
  #filledFrom: PublicSettings | null = null;

  constructor(private readonly ctx: AppContext) {
    this.#dataSource = new DataSourceChoice((dataSource) =>
      ctx.api.post<DataSourceTestResult>(ROUTES.testDataSource, { dataSource }),
    );
    const portId = uniqueId('port');
    this.#port = numberInput(portId, 'mirrorPort', [0, 65535], 'settings-port');
    const timeoutId = uniqueId('timeout');
    this.#timeout = numberInput(timeoutId, 'requestTimeoutSeconds', [1, 300], 'settings-timeout');
    const tunnel = radioGroup('tunnel', [
      ['ngrok', 'ngrok', 'a public URL, for a StackState elsewhere'],
      ['none', 'None', 'StackState runs on this machine, in Docker'],
    ]);
    this.#tunnel = tunnel.inputs;
    const domainId = uniqueId('domain');
    this.#domain = h('input', {
      id: domainId,
      name: 'ngrokDomain',
      type: 'text',
      spellcheck: false,
      autocomplete: 'off',
      placeholder: 'optional, e.g. my-name.ngrok-free.app',
      'data-testid': 'settings-domain',
    });
    const cidrsId = uniqueId('cidrs');
    this.#cidrs = h('textarea', {
      id: cidrsId,
      name: 'allowCidrs',
      rows: 3,
      spellcheck: false,
      placeholder: '203.0.113.0/24',
      'data-testid': 'settings-cidrs',
    });
    this.#save = h('button', { type: 'submit', class: 'primary', text: 'Save settings' });
    const reset = h('button', {
      type: 'button',
      text: 'Undo changes',
      onclick: () => {
        this.#dirty = false;
        this.#formMessage.clear();
        if (this.ctx.state) this.#fill(this.ctx.state.settings);
      },
    });
    this.#ngrokOnly = h(
      'div',
      { class: 'stack' },
      h('label', { for: domainId }, 'Reserved ngrok domain'),
      this.#domain,
      h(
        'p',
        { class: 'muted small' },
        'Keeps the same public URL across restarts. Leave empty for a new one.',
      ),
      h('label', { for: cidrsId }, 'IP allow-list'),
      this.#cidrs,
      h(
        'p',
        { class: 'muted small' },
        'CIDRs allowed through the tunnel, one per line (e.g. your StackState’s egress IP /32). Empty lets anyone who knows the URL in.',
      ),
    );
    const form = h(
      'form',
      {
        class: 'card stack',
        'aria-labelledby': 'settings-title',
        'data-testid': 'settings-form',
        // The session checks every value and its reason is shown here, in the form's own words,
        // rather than in a browser bubble that a screenshot or a screen reader may not catch.
        noValidate: true,
        onsubmit: (event: Event) => this.#submit(event),
        oninput: () => {
          this.#dirty = true;
          const values = this.#read();
          this.#showNgrokFields(values.tunnel);
          this.#dataSource.showOptionsOf(values.dataSourceKind);
        },
      },
      h('h2', { id: 'settings-title' }, 'Mirror and tunnel'),
      this.#sourceNote,
      h('label', { for: portId }, 'Mirror port'),
      this.#port,
      this.#portNote,
      this.#dataSource.el,
      h('label', { for: timeoutId }, 'Request time-out (seconds)'),
      this.#timeout,
      h(
        'p',
        { class: 'muted small' },
        'How long the data source may take per request; StackState then gets a time-out error.',
      ),
      h('fieldset', null, h('legend', null, 'Tunnel'), ...tunnel.elements),
      this.#ngrokOnly,
      h('div', { class: 'actions' }, this.#save, reset),
      this.#formMessage.el,
    );

    this.#keyCard = new ApiKeyCard(ctx);
    this.#tokenCard = new AuthtokenCard(ctx);
    this.el = h('div', { class: 'settings' }, form, this.#keyCard.el, this.#tokenCard.el);
  }

  update(state: SessionState): void {
    this.#dataSource.offer(state.dataSourceKinds);
    if (!this.#dirty) this.#fill(state.settings);
    this.#keyCard.update(state);
    this.#tokenCard.update(state);
    const s = state.settings;
    const runningPort = state.mirror.port;
    const freePort = runningPort !== null && s.mirrorPort === 0;
    show(this.#portNote, freePort);
    setText(
      this.#portNote,
      freePort ? `0 picks a free port: this run got ${runningPort}, and keeps it while the app runs.` : '',
    );
    const fromCommandLine = commandLineValues(s);
    show(this.#sourceNote, fromCommandLine.length > 0);
    setText(
      this.#sourceNote,
      fromCommandLine.length > 0
        ? `From the command line, for this run only: ${fromCommandLine.join(', ')}. The rest is saved. A change saved here replaces the command-line value and is kept.`
        : '',
    );
  }

  #fill(settings: PublicSettings): void {
    this.#filledFrom = settings;
    const values = formValues(settings);
    setValue(this.#port, values.mirrorPort);
    this.#dataSource.fill(values.dataSourceKind, values.dataSourceOptions);
    setValue(this.#timeout, values.requestTimeoutSeconds);
    for (const [value, input] of this.#tunnel) input.checked = value === values.tunnel;
    setValue(this.#domain, values.ngrokDomain);
    setValue(this.#cidrs, values.allowCidrs);
    this.#showNgrokFields(values.tunnel);
  }

  #read(): SettingsFormValues {
    return {
      mirrorPort: this.#port.value,
      ...this.#dataSource.read(),
      requestTimeoutSeconds: this.#timeout.value,
      tunnel: checkedValue(this.#tunnel),
      ngrokDomain: this.#domain.value,
      allowCidrs: this.#cidrs.value,
    };
  }

  #showNgrokFields(tunnel: string): void {
    this.#ngrokOnly.classList.toggle('dimmed', tunnel !== 'ngrok');
  }

  async #submit(event: Event): Promise<void> {
    event.preventDefault();
    const shown = this.#filledFrom;
    if (!shown) return;
    this.#formMessage.clear();
    const submitted = this.#read();
    const result = settingsPatch(submitted, shown);
    if ('error' in result) {
      this.#formMessage.show(result.error, 'error');
      return;
    }
    if (Object.keys(result.patch).length === 0) {
      this.#dirty = false;
      this.#formMessage.show('Nothing changed.', 'info');
      return;
    }
    await runFrom(
      this.#save,
      'Saving…',
      async () => {
        const next = await this.ctx.api.put<SessionState>(ROUTES.settings, result.patch);
        // Typed on while saving? Keep that; otherwise show the saved settings again.
        this.#dirty = JSON.stringify(this.#read()) !== JSON.stringify(submitted);
        this.ctx.applyState(next);
        const outcome = savedMessage(result.patch, next);
        this.#formMessage.show(outcome.text, outcome.tone);
      },
      (message) => this.#formMessage.show(friendlyActionError(message), 'error'),
    );
  }
}
