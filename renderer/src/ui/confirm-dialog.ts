// A modal confirmation for a destructive action. Focus starts on Cancel, so Enter right away does
// nothing harmful, and goes back to the button that opened it when it closes.
import { h } from './dom';
import { runFrom } from './widgets';

export interface ConfirmDialogOptions {
  opener: HTMLButtonElement;
  title: string;
  testId: string;
  body: Array<Node | string>;
  confirmLabel: string;
  confirmTestId: string;
  /** Runs on confirm; the dialog closes after it, whether it worked or not. */
  confirm: () => Promise<void>;
  onError: (message: string) => void;
}

export function confirmDialog(options: ConfirmDialogOptions): HTMLDialogElement {
  const titleId = `${options.testId}-title`;
  const confirm = h('button', {
    type: 'button',
    class: 'danger',
    text: options.confirmLabel,
    'data-testid': options.confirmTestId,
  });
  const cancel = h('button', { type: 'button', text: 'Cancel' });
  const dialog = h(
    'dialog',
    { class: 'dialog', 'aria-labelledby': titleId, 'data-testid': options.testId },
    h('h2', { id: titleId }, options.title),
    h('p', null, ...options.body),
    h('div', { class: 'actions end' }, cancel, confirm),
  );
  // showModal() focuses the first focusable element in order: Cancel comes first, and autofocus makes it certain.
  cancel.autofocus = true;
  cancel.addEventListener('click', () => dialog.close());
  dialog.addEventListener('close', () => options.opener.focus());
  confirm.addEventListener('click', () =>
    runFrom(
      confirm,
      `${options.confirmLabel}…`,
      async () => {
        await options.confirm();
        dialog.close();
      },
      (message) => {
        dialog.close();
        options.onError(message);
      },
    ),
  );
  return dialog;
}
