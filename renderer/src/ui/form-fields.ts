// The Settings tab's small form builders: number inputs, radio groups, and a quiet value setter.
import { h } from './dom';

type Field = HTMLInputElement | HTMLTextAreaElement;

export function numberInput(id: string, name: string, [min, max]: [number, number], testId: string) {
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

/** Sets a field's value only when it differs, so the caret of a field being typed in stays put. */
export function setValue(field: Field, value: string): void {
  if (field.value !== value) field.value = value;
}

export function radioGroup(
  name: string,
  options: Array<[value: string, label: string, description: string]>,
) {
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

/** The value of the checked radio of a group, or '' when none is. */
export const checkedValue = (group: Map<string, HTMLInputElement>): string =>
  [...group].find(([, input]) => input.checked)?.[0] ?? '';
