// The input for one data-source option, by what it holds: one line of text (a URL, a user), a
// secret (hidden as typed, like the bearer token), several lines (custom headers, one a line), or a
// number of seconds (the per-call time-out). The registry says which (server/telemetry/registry.ts).
import type { DataSourceKindInfo } from '../../../server/contract/contract';
import { h } from './dom';

export type OptionInfo = DataSourceKindInfo['options'][number];
export type OptionField = HTMLInputElement | HTMLTextAreaElement;

/** The field for `option` of `kind`, with the id its label points at. */
export function optionInput(kind: string, option: OptionInfo, id: string): OptionField {
  const common = {
    id,
    spellcheck: false,
    autocomplete: 'off',
    placeholder: option.placeholder,
    'data-testid': `data-source-${kind}-${option.name}`,
  };
  // A secret stays a password field whatever it holds: its lines are separated by `;;` there.
  if (option.secret) return h('input', { ...common, type: 'password' });
  if (option.input === 'lines') return h('textarea', { ...common, rows: 3, wrap: 'off' });
  if (option.input === 'seconds') {
    return h('input', { ...common, type: 'number', min: 1, max: 300, step: 1, inputMode: 'numeric' });
  }
  return h('input', { ...common, type: 'text' });
}
