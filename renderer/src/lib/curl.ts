// "Copy as cURL": a command that sends a logged request again, against the URL StackState uses. Pure.
import type { LogEntry, SessionState } from './contract';

/** Quotes text for a POSIX shell: inside single quotes everything is literal except the quote itself. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * The base URL a copied command should call: the one StackState uses when this machine can reach it,
 * else the mirror's local URL. host.docker.internal names this machine only inside Docker, so a
 * command run here uses the local URL instead (as the session's self-test does).
 */
export function curlBase(state: Pick<SessionState, 'connection' | 'mirror'>): string | null {
  const url = state.connection.mirrorUrl;
  if (url && !url.includes('host.docker.internal')) return url;
  return state.mirror.localUrl ?? url;
}

/** Joins a base URL (with or without its trailing slash) and a logged path such as `/api/metric`. */
export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** The body as one line when it is JSON (the log keeps it pretty), else unchanged. */
export function compactBody(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body));
  } catch {
    return body;
  }
}

export interface CurlCommand {
  command: string;
  /** False when the log cut the request body short, so the command would not send the same request. */
  complete: boolean;
}

export interface CurlOptions {
  /** `-i`: print the response's status line and headers (X-MIRROR-API-KEY among them) before its body. */
  includeHeaders?: boolean;
}

export function curlFor(
  entry: Pick<LogEntry, 'method' | 'url' | 'requestBody' | 'requestTruncated'>,
  base: string,
  options: CurlOptions = {},
): CurlCommand {
  const parts = ['curl', '-sS', ...(options.includeHeaders ? ['-i'] : [])];
  parts.push('-X', entry.method, shellQuote(joinUrl(base, entry.url)));
  const hasBody = entry.method !== 'GET' && entry.method !== 'HEAD' && entry.requestBody !== '';
  if (hasBody) {
    parts.push('-H', shellQuote('Content-Type: application/json'));
    parts.push('--data-raw', shellQuote(compactBody(entry.requestBody)));
  }
  return { command: parts.join(' '), complete: !entry.requestTruncated };
}

/** Whether the detail view's buttons can act on an entry now: Copy as cURL needs a URL, Replay the mirror. */
export function detailActions(
  entry: Pick<LogEntry, 'requestTruncated'> | null,
  state: Pick<SessionState, 'connection' | 'mirror'> | null,
): { copy: boolean; replay: boolean } {
  return {
    copy: entry !== null && state !== null && curlBase(state) !== null,
    replay: entry !== null && !entry.requestTruncated && state !== null && state.mirror.port !== null,
  };
}
