// The banner under the header when the page has lost the app: the token was refused (final), or the
// event stream dropped (the app stopped, or is busy). What it says, and how to get a working window back.
import { fill, h, show } from './dom';

/** Shows `banner` with `content`, as `tone` ('refused' is final; none retries) and the test id `testId`. */
function showBanner(
  banner: HTMLElement,
  testId: string,
  tone: 'refused' | null,
  ...content: (string | Node)[]
): void {
  banner.className = tone ? `banner ${tone}` : 'banner';
  banner.setAttribute('data-testid', testId);
  fill(banner, ...content);
  show(banner, true);
}

/** The token was refused: it will not start working, so the page says where a working window is. */
export function showTokenRefused(banner: HTMLElement, message: string): void {
  showBanner(
    banner,
    'token-error',
    'refused',
    h('b', null, 'This page cannot reach the app: the control token was refused.'),
    h('br'),
    message,
    h('br'),
    'In the desktop app, open the window from the tray menu instead.',
  );
}

/** The event stream dropped: the app is gone (or busy); the page keeps retrying by itself. */
export function showAppGone(banner: HTMLElement): void {
  showBanner(
    banner,
    'link-banner',
    null,
    h('b', null, 'The app is not running: this window cannot reach it.'),
    h('br'),
    'Its buttons are off, and the Mirror URL below no longer answers. Start the app again, then open its window from the tray icon (or the address the headless mode prints: it has a new token, so this page will not come back). This page retries by itself in case the app was only busy.',
  );
}

/** Too many windows follow the app: not final (another may close); the stream retries, and 'open' hides it. */
export function showStreamBusy(banner: HTMLElement, message: string): void {
  showBanner(banner, 'stream-busy', null, message);
}
