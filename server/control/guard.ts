// The control listener's trust checks. It binds 127.0.0.1 only, but any web page the user opens
// could still try to reach it: a per-launch token stops blind requests, the Host check stops DNS
// rebinding, and the Origin check stops cross-site requests. No CORS headers are ever sent.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { TOKEN_QUERY } from '../contract/contract';

export const createControlToken = (): string => randomBytes(24).toString('base64url');

export interface GuardRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The request URL's query string parameters. */
  query: URLSearchParams;
}

/** Returns null when the request may proceed, or the status and reason to refuse it. */
export function checkControlRequest(
  request: GuardRequest,
  expected: { token: string; port: number },
  needsToken: boolean,
): { status: number; error: string } | null {
  const allowedHosts = new Set([`127.0.0.1:${expected.port}`, `localhost:${expected.port}`]);
  const host = first(request.headers.host);
  if (!host || !allowedHosts.has(host.toLowerCase())) {
    return { status: 403, error: 'This control API answers only to 127.0.0.1 and localhost.' };
  }
  const origin = first(request.headers.origin);
  if (origin !== undefined && !allowedHosts.has(origin.toLowerCase().replace(/^http:\/\//, ''))) {
    return { status: 403, error: 'Cross-origin requests are refused.' };
  }
  if (!needsToken) return null;
  const bearer = first(request.headers.authorization)?.match(/^Bearer (.+)$/)?.[1];
  const presented = bearer ?? request.query.get(TOKEN_QUERY) ?? '';
  if (!sameSecret(presented, expected.token)) {
    return {
      status: 401,
      error: 'Missing or wrong control token. Open the address the app printed at start.',
    };
  }
  return null;
}

function sameSecret(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
