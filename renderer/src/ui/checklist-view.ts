// The guided checklist: ticks itself from the session's milestones.
import { type ChecklistStep, checklist } from '../lib/checklist';
import type { SessionState } from '../lib/contract';
import type { View } from './context';
import { fill, h } from './dom';

const MARKS: Record<ChecklistStep['status'], string> = { done: '✓', current: '→', todo: '' };
const STATUS_WORDS: Record<ChecklistStep['status'], string> = {
  done: 'done',
  current: 'next',
  todo: 'to do',
};

export class ChecklistView implements View {
  readonly el: HTMLElement;
  readonly #list = h('ol', { class: 'checklist', 'data-testid': 'checklist' });
  #key = '';

  constructor() {
    this.el = h(
      'section',
      { class: 'card', 'aria-labelledby': 'checklist-title' },
      h('h2', { id: 'checklist-title' }, 'Step by step'),
      this.#list,
    );
  }

  update(state: SessionState): void {
    const steps = checklist(state);
    const key = JSON.stringify(steps);
    if (key === this.#key) return;
    this.#key = key;
    fill(this.#list, ...steps.map(renderStep));
  }
}

function renderStep(step: ChecklistStep): HTMLElement {
  return h(
    'li',
    { class: `step ${step.status}`, 'data-step': step.id, 'data-status': step.status },
    h('span', { class: 'mark', 'aria-hidden': 'true' }, MARKS[step.status]),
    h(
      'div',
      { class: 'step-body' },
      h(
        'div',
        { class: 'step-title' },
        step.title,
        h('span', { class: 'visually-hidden' }, ` (${STATUS_WORDS[step.status]})`),
      ),
      step.status === 'done'
        ? null
        : h(
            'p',
            { class: 'step-how' },
            ...step.how.map((segment) =>
              typeof segment === 'string' ? segment : h('b', { class: 'ui' }, segment.ui),
            ),
          ),
      step.parts
        ? h(
            'ul',
            { class: 'parts' },
            ...step.parts.map((part) =>
              h(
                'li',
                { class: part.done ? 'done' : 'todo' },
                h('span', { 'aria-hidden': 'true' }, part.done ? '✓ ' : '○ '),
                part.label,
                h('span', { class: 'visually-hidden' }, part.done ? ' (done)' : ' (not yet)'),
              ),
            ),
          )
        : null,
    ),
  );
}
