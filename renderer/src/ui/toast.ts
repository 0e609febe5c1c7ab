// A short message that an action ran ("cURL command copied."), read out by the polite live region and
// shown as a row of the sticky header: it pushes nothing aside and covers nothing on the page. It goes
// after a few seconds, or as soon as a later session state replaces what it said (a tunnel error after
// "Authtoken saved. Opening the tunnel…").
import type { SessionState } from '../lib/contract';
import type { Tone } from '../lib/format';
import { h, setText } from './dom';

const SHOWN_MILLIS = 4000;

export class Toast {
  readonly el = h('div', { class: 'toast', role: 'status', 'aria-live': 'polite', 'data-testid': 'toast' });
  #timer = 0;
  /** The phase and sentence the session had when the toast appeared. */
  #shownWith: string | null = null;

  show(message: string, tone: Tone, state: SessionState | null): void {
    this.el.dataset.tone = tone;
    setText(this.el, message);
    this.el.classList.add('visible');
    this.#shownWith = state ? stateKey(state) : null;
    window.clearTimeout(this.#timer);
    this.#timer = window.setTimeout(() => this.hide(), SHOWN_MILLIS);
  }

  hide(): void {
    window.clearTimeout(this.#timer);
    this.el.classList.remove('visible');
    this.#shownWith = null;
  }

  /** A new state: a toast about the state before it no longer holds. */
  stateChanged(state: SessionState): void {
    if (this.#shownWith !== null && this.#shownWith !== stateKey(state)) this.hide();
  }
}

const stateKey = (state: SessionState) => `${state.phase}|${state.message}`;
