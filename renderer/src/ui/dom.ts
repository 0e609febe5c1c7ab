// A tiny element builder. Text always goes in as text nodes: nothing from the log or the session is
// ever parsed as HTML.
type Child = Node | string | number | null | undefined | false;
type Handler = (event: Event) => void;

export type Props = {
  class?: string;
  text?: string;
  [key: string]: unknown;
};

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props) {
    for (const [key, value] of Object.entries(props)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') element.className = String(value);
      else if (key === 'text') element.textContent = String(value);
      else if (key.startsWith('on') && typeof value === 'function') {
        element.addEventListener(key.slice(2).toLowerCase(), value as Handler);
      } else if (key.startsWith('aria-') || key.startsWith('data-') || key === 'role' || key === 'for') {
        element.setAttribute(key, value === true ? 'true' : String(value));
      } else if (key in element) {
        (element as unknown as Record<string, unknown>)[key] = value;
      } else {
        element.setAttribute(key, value === true ? '' : String(value));
      }
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** Sets text only when it changed (no needless layout work). */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

export function show(element: HTMLElement, visible: boolean): void {
  if (element.hidden === visible) element.hidden = !visible;
}

/** An external link: opens outside the app, sends no referrer. */
export const externalLink = (href: string, text: string = href) =>
  h('a', { href, target: '_blank', rel: 'noopener noreferrer' }, text);

let idCounter = 0;
export const uniqueId = (prefix: string) => `${prefix}-${++idCounter}`;
