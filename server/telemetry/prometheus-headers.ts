// Custom headers a data source sends to its Prometheus-compatible backend: Mimir's and Cortex's
// tenant (`X-Scope-OrgID: team-a`), a gateway's API key. Written one `Name: value` a line (or
// separated by `;;` where a line break is awkward, as on a command line). Two options hold them:
// `headers`, shown as typed, and `secretHeaders`, kept like the bearer token (never logged, never
// sent to the window). Like the credentials, they go only to the configured server.

/** The most custom headers, and the most text they may take in all. */
export const MAX_CUSTOM_HEADERS = 20;
export const MAX_CUSTOM_HEADER_CHARS = 8 * 1024;

/** The tenant header of Mimir, Cortex and Loki (Thanos's receive takes THANOS-TENANT). */
export const TENANT_HEADER = 'X-Scope-OrgID';

/** Headers HTTP itself or fetch owns: one typed here would break the call, or be ignored. */
const RESERVED = new Set([
  'host',
  'content-length',
  'content-type',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-authorization',
  'proxy-connection',
  'cookie',
]);

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The entries of an option's text: one a line, or separated by `;;`. */
const entriesOf = (text: string) =>
  text
    .split(/\r?\n|;;/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** Name and value of each entry; entries already checked. */
export function parseHeaders(text: string | undefined): Array<[name: string, value: string]> {
  return entriesOf(text ?? '').map((entry) => {
    const colon = entry.indexOf(':');
    return [entry.slice(0, colon).trim(), entry.slice(colon + 1).trim()];
  });
}

/**
 * Why the option's text is not a list of headers (never quoting a value: it may be a secret), or
 * null. `secret` allows Authorization (a scheme the bearer-token option does not cover).
 */
export function checkHeaders(text: string, secret: boolean): string | null {
  if (text.length > MAX_CUSTOM_HEADER_CHARS) return `must be at most ${MAX_CUSTOM_HEADER_CHARS} characters`;
  const entries = entriesOf(text);
  if (entries.length > MAX_CUSTOM_HEADERS) return `may hold at most ${MAX_CUSTOM_HEADERS} headers`;
  for (const [index, entry] of entries.entries()) {
    const where = `header ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon <= 0) return `${where} must be written Name: value`;
    const name = entry.slice(0, colon).trim();
    if (!TOKEN.test(name)) return `${where} has a name that is not an HTTP header name`;
    const lower = name.toLowerCase();
    if (RESERVED.has(lower)) return `${where} (${name}) is set by HTTP itself and cannot be replaced`;
    if (lower === 'authorization' && !secret) {
      return `${where} (Authorization) holds a credential: put it under the secret headers, or use the bearer token`;
    }
    // Visible text only: a line break or control character would split or corrupt the request.
    if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(entry.slice(colon + 1))) {
      return `${where} has a value with characters a header cannot carry`;
    }
  }
  return null;
}

/** The headers of both options, as fetch takes them (later ones win over earlier of the same name). */
export function customHeaders(
  visible: string | undefined,
  secret: string | undefined,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of [...parseHeaders(visible), ...parseHeaders(secret)]) {
    headers[name.toLowerCase()] = value;
  }
  return headers;
}
