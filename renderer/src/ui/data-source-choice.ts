// Settings → Data source: the kinds the session lists (the registry) as radio buttons, each with its
// option fields under it, and a Test button that asks the source as the form has it (nothing saved).
// The Test button stands beside the URL it tests; for a kind without a URL, under the choice.
import type { DataSourceKindInfo, DataSourceSetting, DataSourceTestResult } from '../lib/contract';
import { fieldLabel, fieldPlaceholder } from '../lib/format';
import { dataSourceOf, friendlyActionError, type SettingsFormValues } from '../lib/settings-form';
import { h, show, uniqueId } from './dom';
import { checkedValue, radioGroup, setValue } from './form-fields';
import { type OptionField, optionInput } from './option-input';
import { InlineMessage, runFrom } from './widgets';

export class DataSourceChoice {
  readonly el = h('fieldset', null, h('legend', null, 'Data source'));
  readonly #testMessage = new InlineMessage();
  readonly #testButton = h('button', {
    type: 'button',
    text: 'Test',
    title: 'Ask the chosen data source what StackState’s Test Connection would get (nothing is saved)',
    'data-testid': 'test-data-source',
    onclick: () => this.#runTest(),
  });
  /** Where the Test button goes for a kind without a URL to stand beside. */
  readonly #testRow = h('div', { class: 'actions' });
  readonly #radios = new Map<string, HTMLInputElement>();
  /** Option inputs by kind, then option name; shown only under the chosen kind. */
  readonly #options = new Map<string, Map<string, OptionField>>();
  readonly #optionBoxes = new Map<string, HTMLElement>();
  /** The row holding each kind's URL input, where its Test button goes. */
  readonly #urlRows = new Map<string, HTMLElement>();

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

  offer(kinds: readonly DataSourceKindInfo[]): void {
    if (this.#radios.size > 0) return; // the kinds are fixed for the app's life
    const group = radioGroup(
      'dataSource',
      kinds.map((kind) => [kind.kind, kind.label, kind.help]),
    );
    kinds.forEach((kind, index) => {
      this.#radios.set(kind.kind, group.inputs.get(kind.kind)!);
      const inputs = new Map<string, OptionField>();
      const box = h('div', { class: 'stack indent', hidden: true });
      for (const option of kind.options) {
        const id = uniqueId(`${kind.kind}-${option.name}`);
        const input = optionInput(
          kind.kind,
          { ...option, placeholder: fieldPlaceholder(option.name, option.placeholder) },
          id,
        );
        input.classList.add('grow');
        inputs.set(option.name, input);
        const row = h('div', { class: 'row-inline' }, input);
        if (option.name === 'url') this.#urlRows.set(kind.kind, row);
        box.append(
          h('label', { for: id }, fieldLabel(option.label)),
          row,
          h('p', { class: 'muted small' }, option.help),
        );
      }
      this.#options.set(kind.kind, inputs);
      this.#optionBoxes.set(kind.kind, box);
      this.el.append(group.elements[index]!, ...(kind.options.length > 0 ? [box] : []));
    });
    this.el.append(this.#testRow, this.#testMessage.el);
    this.#testRow.append(this.#testButton);
  }

  fill(kind: string, options: Record<string, Record<string, string>>): void {
    for (const [name, radio] of this.#radios) radio.checked = name === kind;
    for (const [kindName, inputs] of this.#options) {
      for (const [name, input] of inputs) setValue(input, options[kindName]?.[name] ?? '');
    }
    this.showOptionsOf(kind);
  }

  read(): Pick<SettingsFormValues, 'dataSourceKind' | 'dataSourceOptions'> {
    const options = Object.fromEntries(
      [...this.#options].map(([kindName, inputs]) => [
        kindName,
        Object.fromEntries([...inputs].map(([name, input]) => [name, input.value])),
      ]),
    );
    return { dataSourceKind: checkedValue(this.#radios), dataSourceOptions: options };
  }

  showOptionsOf(kind: string): void {
    for (const [name, box] of this.#optionBoxes) show(box, name === kind);
    const beside = this.#urlRows.get(kind) ?? this.#testRow;
    if (this.#testButton.parentElement !== beside) {
      const hadFocus = document.activeElement === this.#testButton;
      beside.append(this.#testButton);
      if (hadFocus) this.#testButton.focus();
    }
    show(this.#testRow, beside === this.#testRow);
  }
}
