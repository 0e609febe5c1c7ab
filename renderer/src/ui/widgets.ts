// Small shared pieces: buttons that report their own outcome, messages with safe links, alerts.
import { splitLinks, type Tone } from '../lib/format';
import { ApiError } from './api';
import { externalLink, h, setText } from './dom';

/** Text with its https URLs as external links (everything else stays plain text). */
export function linkedText(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const part of splitLinks(text)) {
    fragment.append(part.href ? externalLink(part.href, part.text) : document.createTextNode(part.text));
  }
  return fragment;
}

export function setLinkedText(element: Element, text: string): void {
  if (element.getAttribute('data-text') === text) return;
  element.setAttribute('data-text', text);
  element.replaceChildren(linkedText(text));
}

/** An inline message area next to a form: role=alert for errors, polite otherwise. */
export class InlineMessage {
  readonly el = h('p', { class: 'inline-message', hidden: true });

  show(text: string, tone: Tone): void {
    this.el.hidden = false;
    this.el.className = `inline-message tone-${tone}`;
    this.el.setAttribute('role', tone === 'error' ? 'alert' : 'status');
    this.el.replaceChildren(linkedText(text));
  }

  clear(): void {
    this.el.hidden = true;
    this.el.replaceChildren();
  }
}

export const errorText = (error: unknown): string =>
  error instanceof ApiError || error instanceof Error ? error.message : String(error);

/**
 * Runs an async action from a button: disables it meanwhile (no double clicks) and shows a busy label.
 * Errors go to `onError`; the button comes back whatever happens. Disabling a focused button drops
 * focus to the page, so focus goes back to the button afterwards, unless the user moved it meanwhile.
 */
export async function runFrom<T>(
  button: HTMLButtonElement,
  busyLabel: string,
  action: () => Promise<T>,
  onError: (message: string) => void,
): Promise<T | undefined> {
  const label = button.textContent ?? '';
  const hadFocus = document.activeElement === button;
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  setText(button, busyLabel);
  try {
    return await action();
  } catch (error) {
    onError(errorText(error));
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
    setText(button, label);
    const focusLost = document.activeElement === null || document.activeElement === document.body;
    if (hadFocus && focusLost && button.isConnected) button.focus();
  }
}

/** Briefly changes a button's label to confirm (e.g. "Copied"), then restores it. */
export function flashLabel(button: HTMLButtonElement, text: string, millis = 1500): void {
  const original = button.dataset.label ?? button.textContent ?? '';
  button.dataset.label = original;
  setText(button, text);
  button.classList.add('flashed');
  window.clearTimeout(Number(button.dataset.timer));
  button.dataset.timer = String(
    window.setTimeout(() => {
      setText(button, original);
      button.classList.remove('flashed');
    }, millis),
  );
}
