// Entry point: take the control token from the address (once), then start the app.
import './styles.css';
import { TOKEN_STORAGE_KEY, takeToken } from './lib/token';
import { ControlApi } from './ui/api';
import { App } from './ui/app';
import { h } from './ui/dom';

function readToken(): string | null {
  let stored: string | null = null;
  try {
    stored = sessionStorage.getItem(TOKEN_STORAGE_KEY);
  } catch {
    stored = null;
  }
  const { token, cleanUrl } = takeToken(location.href, stored);
  if (cleanUrl !== null) {
    try {
      if (token) sessionStorage.setItem(TOKEN_STORAGE_KEY, token);
    } catch {
      // Storage refused (private mode): the token lives only in this page's memory.
    }
    history.replaceState(history.state, '', cleanUrl);
  }
  return token;
}

const root = document.getElementById('app')!;
const token = readToken();
if (token) {
  const app = new App(new ControlApi(token), root);
  app.start();
} else {
  root.replaceChildren(
    h(
      'div',
      { class: 'banner refused', role: 'alert', 'data-testid': 'token-error' },
      h('b', null, 'This page needs the app’s control token.'),
      h('br'),
      'Open the window from the tray menu, or the address the headless mode printed at start (it ends in ?token=…).',
    ),
  );
}
