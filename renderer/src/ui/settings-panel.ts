// Settings: port, data source, request time-out, tunnel, reserved domain, IP allow-list (one form,
// saved together), plus the API key (type your own, regenerate after a confirmation) and the ngrok
// authtoken (replace, forget). The form shows the values this run uses and says which come from the
// command line. A refused change (HTTP 400) is shown next to the form and what the user typed stays.
import {
  API_KEY_RULE,
  type DataSourceKindInfo,
  type DataSourceSetting,
  type DataSourceTestResult,
  type PublicSettings,
  ROUTES,
  type SessionState,
} from '../lib/contract';
import {
  apiKeyProblem,
  commandLineValues,
  dataSourceOf,
  formValues,
  friendlyActionError,
  type SettingsFormValues,
  savedMessage,
  settingsPatch,
} from '../lib/settings-form';
import type { AppContext, View } from './context';
import { h, setText, show, uniqueId } from './dom';
import { optionInput } from './option-input';
import { InlineMessage, runFrom } from './widgets';

type Field = HTMLInputElement | HTMLTextAreaElement;

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
  readonly #apiKey = h('code', { class: 'value', 'data-testid': 'settings-api-key' });
  readonly #keyNote = h('p', { class: 'muted small', hidden: true, 'data-testid': 'api-key-source' });
  readonly #ownKey: HTMLInputElement;
  readonly #keyMessage = new InlineMessage();
  readonly #confirmRegenerate: HTMLDialogElement;
  readonly #tokenStatus = h('p', { 'data-testid': 'authtoken-status' });
  readonly #forget: HTMLButtonElement;
  readonly #replace: HTMLButtonElement;
  readonly #tokenMessage = new InlineMessage();
  readonly #location = h('p', { class: 'muted small' });
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

    const regenerate = h('button', {
      type: 'button',
      text: 'Regenerate…',
      'data-testid': 'regenerate-key',
      onclick: () => this.#confirmRegenerate.showModal(),
    });
    this.#confirmRegenerate = this.#regenerateDialog(regenerate);
    const ownKeyId = uniqueId('own-key');
    this.#ownKey = h('input', {
      id: ownKeyId,
      type: 'text',
      class: 'grow',
      spellcheck: false,
      autocomplete: 'off',
      maxLength: 200,
      placeholder: 'e.g. api_key',
      'aria-describedby': `${ownKeyId}-rule`,
      'data-testid': 'own-key',
    });
    const useKey = h('button', { type: 'submit', text: 'Use this key', 'data-testid': 'use-own-key' });
    const ownKeyForm = h(
      'form',
      { class: 'stack', noValidate: true, onsubmit: (event: Event) => this.#useOwnKey(event, useKey) },
      h('label', { for: ownKeyId }, 'Or type your own'),
      h('div', { class: 'row-inline' }, this.#ownKey, useKey),
      h(
        'p',
        { class: 'muted small', id: `${ownKeyId}-rule` },
        `${API_KEY_RULE}, e.g. the tutorial’s api_key.`,
      ),
    );
    const keyCard = h(
      'section',
      { class: 'card stack', 'aria-labelledby': 'key-title' },
      h('h2', { id: 'key-title' }, 'Api Key'),
      h('div', { class: 'field' }, this.#apiKey, regenerate),
      this.#keyNote,
      ownKeyForm,
      h(
        'p',
        { class: 'muted small' },
        'It identifies this mirror to StackState (sent in every response); it is not a password.',
      ),
      this.#keyMessage.el,
      this.#confirmRegenerate,
    );

    this.#forget = h('button', {
      type: 'button',
      class: 'danger',
      text: 'Forget authtoken',
      'data-testid': 'forget-authtoken',
      onclick: () =>
        runFrom(
          this.#forget,
          'Forgetting…',
          async () => {
            const state = await this.ctx.api.put<SessionState>(ROUTES.settings, { ngrokAuthtoken: null });
            this.ctx.applyState(state);
            const { authtokenSource, authtokenHint } = state.settings;
            this.#tokenMessage.show(
              authtokenSource === 'environment'
                ? `The saved authtoken was deleted from this computer. The tunnel now uses the one from NGROK_AUTHTOKEN (${authtokenHint}).`
                : 'The saved authtoken was deleted from this computer.',
              'ok',
            );
          },
          (message) => this.#tokenMessage.show(message, 'error'),
        ),
    });
    this.#replace = h('button', {
      type: 'button',
      text: 'Replace…',
      onclick: () => this.ctx.askForAuthtoken(),
    });
    const tokenCard = h(
      'section',
      { class: 'card stack', 'aria-labelledby': 'token-title' },
      h('h2', { id: 'token-title' }, 'ngrok authtoken'),
      this.#tokenStatus,
      h('div', { class: 'actions' }, this.#replace, this.#forget),
      this.#tokenMessage.el,
      this.#location,
    );

    this.el = h('div', { class: 'settings' }, form, keyCard, tokenCard);
  }

  update(state: SessionState): void {
    this.#dataSource.offer(state.dataSourceKinds);
    if (!this.#dirty) this.#fill(state.settings);
    const s = state.settings;
    setText(this.#apiKey, state.connection.apiKey);
    const runningPort = state.mirror.port;
    const freePort = runningPort !== null && s.mirrorPort === 0;
    show(this.#portNote, freePort);
    setText(
      this.#portNote,
      freePort ? `0 picks a free port: this run got ${runningPort}, and keeps it while the app runs.` : '',
    );
    setText(this.#tokenStatus, tokenStatus(s));
    // Only a saved token can be forgotten here; one from the environment is not this app's to delete.
    show(this.#forget, s.authtokenSource === 'saved');
    setText(this.#replace, s.authtokenSource === 'saved' ? 'Replace…' : 'Add…');
    const fromCommandLine = commandLineValues(s);
    show(this.#sourceNote, fromCommandLine.length > 0);
    setText(
      this.#sourceNote,
      fromCommandLine.length > 0
        ? `From the command line, for this run only: ${fromCommandLine.join(', ')}. The rest is saved. A change saved here replaces the command-line value and is kept.`
        : '',
    );
    const keyNote = apiKeyNote(state);
    show(this.#keyNote, keyNote !== null);
    setText(this.#keyNote, keyNote ?? '');
    setText(
      this.#location,
      `Settings live in ${s.location}${s.encryptsSecrets ? '; the authtoken is encrypted there.' : '; the file is readable by your user only.'}`,
    );
  }

  /** Regenerate asks first: StackState rejects the mirror until the new key is pasted there. */
  #regenerateDialog(opener: HTMLButtonElement): HTMLDialogElement {
    const confirm = h('button', {
      type: 'button',
      class: 'danger',
      text: 'Regenerate',
      'data-testid': 'confirm-regenerate',
    });
    const cancel = h('button', { type: 'button', text: 'Cancel' });
    const dialog = h(
      'dialog',
      { class: 'dialog', 'aria-labelledby': 'regenerate-title', 'data-testid': 'regenerate-dialog' },
      h('h2', { id: 'regenerate-title' }, 'Replace the Api Key?'),
      h(
        'p',
        null,
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
      ),
      h('div', { class: 'actions end' }, cancel, confirm),
    );
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => opener.focus());
    confirm.addEventListener('click', () =>
      runFrom(
        confirm,
        'Regenerating…',
        async () => {
          this.ctx.applyState(await this.ctx.api.post(ROUTES.regenerateApiKey));
          dialog.close();
          this.#keyMessage.show(
            'New key in use. Paste it into the Mirror data source in StackState (Api Key), or StackState rejects the mirror.',
            'warn',
          );
        },
        (message) => {
          dialog.close();
          this.#keyMessage.show(message, 'error');
        },
      ),
    );
    return dialog;
  }

  async #useOwnKey(event: Event, button: HTMLButtonElement): Promise<void> {
    event.preventDefault();
    this.#keyMessage.clear();
    const typed = this.#ownKey.value.trim();
    const problem = apiKeyProblem(typed);
    if (problem) {
      this.#keyMessage.show(problem, 'error');
      this.#ownKey.focus();
      return;
    }
    await runFrom(
      button,
      'Saving…',
      async () => {
        this.ctx.applyState(await this.ctx.api.put<SessionState>(ROUTES.settings, { apiKey: typed }));
        this.#ownKey.value = '';
        this.#keyMessage.show(
          `The mirror now answers with the key ${typed}. Paste the same into the Mirror data source in StackState (Api Key).`,
          'ok',
        );
      },
      (message) => this.#keyMessage.show(friendlyActionError(message), 'error'),
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
    const checked = (group: Map<string, HTMLInputElement>) =>
      [...group].find(([, input]) => input.checked)?.[0] ?? '';
    return {
      mirrorPort: this.#port.value,
      ...this.#dataSource.read(),
      requestTimeoutSeconds: this.#timeout.value,
      tunnel: checked(this.#tunnel),
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

/** Where the key shown comes from, when it is not simply the saved one. */
function apiKeyNote(state: SessionState): string | null {
  if (state.dataSource.kind === 'upstream') {
    return 'This is the key your own mirror (the upstream data source) sends; the mirror passes it on unchanged.';
  }
  if (state.settings.sources.apiKey === 'command-line') {
    return 'From the command line (--api-key), for this run only. A key set here replaces it and is saved.';
  }
  return null;
}

function numberInput(id: string, name: string, [min, max]: [number, number], testId: string) {
  return h('input', {
    id,
    name,
    type: 'number',
    min: String(min),
    max: String(max),
    inputMode: 'numeric',
    'data-testid': testId,
  });
}

function setValue(field: Field, value: string): void {
  if (field.value !== value) field.value = value;
}

/** The data-source kinds as radio buttons, each with its own option fields (a URL…) under it. */
class DataSourceChoice {
  readonly el = h('fieldset', null, h('legend', null, 'Data source'));
  readonly #testMessage = new InlineMessage();
  readonly #testButton = h('button', {
    type: 'button',
    text: 'Test',
    title: 'Ask the chosen data source what StackState’s Test Connection would get (nothing is saved)',
    'data-testid': 'test-data-source',
    onclick: () => this.#runTest(),
  });

  constructor(private readonly test: (dataSource: DataSourceSetting) => Promise<DataSourceTestResult>) {}

  async #runTest(): Promise<void> {
    this.#testMessage.clear();
    await runFrom(
      this.#testButton,
      'Testing…',
      async () => {
        const result = await this.test(dataSourceOf(this.read()));
        this.#testMessage.show(result.message, result.ok ? 'ok' : 'error');
      },
      (message) => this.#testMessage.show(friendlyActionError(message), 'error'),
    );
  }
  readonly #radios = new Map<string, HTMLInputElement>();
  /** Option inputs by kind, then option name; shown only under the chosen kind. */
  readonly #options = new Map<string, Map<string, Field>>();
  readonly #optionBoxes = new Map<string, HTMLElement>();

  offer(kinds: readonly DataSourceKindInfo[]): void {
    if (this.#radios.size > 0) return; // the kinds are fixed for the app's life
    const group = radioGroup(
      'dataSource',
      kinds.map((kind) => [kind.kind, kind.label, kind.help]),
    );
    kinds.forEach((kind, index) => {
      this.#radios.set(kind.kind, group.inputs.get(kind.kind)!);
      const inputs = new Map<string, Field>();
      const box = h('div', { class: 'stack indent', hidden: true });
      for (const option of kind.options) {
        const id = uniqueId(`${kind.kind}-${option.name}`);
        const input = optionInput(kind.kind, option, id);
        inputs.set(option.name, input);
        box.append(
          h('label', { for: id }, option.label),
          input,
          h('p', { class: 'muted small' }, option.help),
        );
      }
      this.#options.set(kind.kind, inputs);
      this.#optionBoxes.set(kind.kind, box);
      this.el.append(group.elements[index]!, ...(kind.options.length > 0 ? [box] : []));
    });
    this.el.append(h('div', { class: 'actions' }, this.#testButton), this.#testMessage.el);
  }

  fill(kind: string, options: Record<string, Record<string, string>>): void {
    for (const [name, radio] of this.#radios) radio.checked = name === kind;
    for (const [kindName, inputs] of this.#options) {
      for (const [name, input] of inputs) setValue(input, options[kindName]?.[name] ?? '');
    }
    this.showOptionsOf(kind);
  }

  read(): Pick<SettingsFormValues, 'dataSourceKind' | 'dataSourceOptions'> {
    const kind = [...this.#radios].find(([, radio]) => radio.checked)?.[0] ?? '';
    const options = Object.fromEntries(
      [...this.#options].map(([kindName, inputs]) => [
        kindName,
        Object.fromEntries([...inputs].map(([name, input]) => [name, input.value])),
      ]),
    );
    return { dataSourceKind: kind, dataSourceOptions: options };
  }

  showOptionsOf(kind: string): void {
    for (const [name, box] of this.#optionBoxes) show(box, name === kind);
  }
}

function radioGroup(name: string, options: Array<[value: string, label: string, description: string]>) {
  const inputs = new Map<string, HTMLInputElement>();
  const elements = options.map(([value, label, description]) => {
    const input = h('input', { type: 'radio', name, value, 'data-testid': `${name}-${value}` });
    inputs.set(value, input);
    return h(
      'label',
      { class: 'radio' },
      input,
      h('span', null, h('b', null, label), h('span', { class: 'muted small' }, ` ${description}`)),
    );
  });
  return { inputs, elements };
}
