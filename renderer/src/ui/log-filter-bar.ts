// The Requests list's filters: errors only, which operation, and from whom. The bar says each
// change; the inspector applies it to the list.
import { OPERATION_LABELS } from '../lib/format';
import type { LogFilter } from '../lib/log-filter';
import { h } from './dom';

/** Who sent a request, as the "From" filter offers it. */
const SOURCES: readonly [LogFilter['source'], string][] = [
  ['all', 'From anyone'],
  ['tunnel', 'Tunnel (StackState)'],
  ['network', 'Network'],
  ['local', 'This machine'],
  ['replay', 'Replays'],
  ['self-test', 'Self-tests'],
  ['check', 'Check runs'],
];

export class LogFilterBar {
  readonly el: HTMLElement;
  readonly #errorsOnly: HTMLInputElement;
  readonly #operation: HTMLSelectElement;
  readonly #source: HTMLSelectElement;

  constructor(onChange: (change: Partial<LogFilter>) => void) {
    this.#errorsOnly = h('input', {
      type: 'checkbox',
      'data-testid': 'filter-errors',
      onchange: () => onChange({ errorsOnly: this.#errorsOnly.checked }),
    });
    this.#operation = h(
      'select',
      {
        'aria-label': 'Operation',
        'data-testid': 'filter-operation',
        onchange: () => onChange({ operation: this.#operation.value as LogFilter['operation'] }),
      },
      h('option', { value: 'all' }, 'All operations'),
      ...Object.entries(OPERATION_LABELS).map(([value, label]) => h('option', { value }, label)),
      h('option', { value: 'other' }, 'Other paths'),
    );
    this.#source = h(
      'select',
      {
        'aria-label': 'From',
        'data-testid': 'filter-source',
        onchange: () => onChange({ source: this.#source.value as LogFilter['source'] }),
      },
      ...SOURCES.map(([value, label]) => h('option', { value }, label)),
    );
    this.el = h(
      'div',
      { class: 'log-filters', role: 'group', 'aria-label': 'Show' },
      h('label', { class: 'small filter-errors' }, this.#errorsOnly, ' Errors only'),
      this.#operation,
      this.#source,
    );
  }

  /** Every control back to "show all" (the caller applies the filter), focus on the first. */
  reset(): void {
    this.#errorsOnly.checked = false;
    this.#operation.value = 'all';
    this.#source.value = 'all';
    this.#errorsOnly.focus();
  }
}
