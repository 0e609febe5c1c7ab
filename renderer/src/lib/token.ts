// The control token: read from the page's address once, then kept in sessionStorage and removed
// from the address bar (so it is not left in history or on screen). Pure: the caller does the I/O.
import { TOKEN_QUERY } from './contract';

export const TOKEN_STORAGE_KEY = 'mirror-tray.control-token';

export interface TokenLookup {
  token: string | null;
  /** The address without the token, to put in the address bar; null when it had none. */
  cleanUrl: string | null;
}

export function takeToken(href: string, stored: string | null): TokenLookup {
  const url = new URL(href);
  const fromUrl = url.searchParams.get(TOKEN_QUERY);
  if (fromUrl === null) return { token: stored || null, cleanUrl: null };
  url.searchParams.delete(TOKEN_QUERY);
  return { token: fromUrl || null, cleanUrl: url.toString() };
}
