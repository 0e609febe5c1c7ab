// The IPC contract between NgrokTunnel (parent) and ngrok-child (child), plus the redaction both
// sides apply to anything that could carry the authtoken. No imports: the child loads this first.

/** What the child needs to call `ngrok.forward()`. Sent over IPC only, never on argv or in env. */
export interface NgrokChildConfig {
  /** Secret. null: the child uses NGROK_AUTHTOKEN from its environment. */
  authtoken: string | null;
  /** host:port of the mirror's tunnel-only listener. */
  addr: string;
  domain: string | null;
  allowCidrs: string[];
  /** Overrides ngrok's ingress address (a custom agent ingress; in tests, a silent local server). */
  serverAddr: string | null;
}

export type ParentMessage = { type: 'start'; config: NgrokChildConfig } | { type: 'close' };

export type ChildMessage =
  | { type: 'online'; url: string }
  /** The SDK's session status: 'disconnected' when it lost ngrok, 'connected' when it got it back. */
  | { type: 'status'; status: 'connected' | 'disconnected' }
  /** `code` is ngrok's ERR_NGROK_… when the SDK gave one, else a child-side code, else null. */
  | { type: 'error'; code: string | null; message: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

const isNullableString = (value: unknown): value is string | null =>
  value === null || typeof value === 'string';

export function parseParentMessage(value: unknown): ParentMessage | null {
  if (!isRecord(value)) return null;
  if (value.type === 'close') return { type: 'close' };
  if (value.type !== 'start' || !isRecord(value.config)) return null;
  const { authtoken, addr, domain, allowCidrs, serverAddr } = value.config;
  if (!isNullableString(authtoken) || typeof addr !== 'string' || !isNullableString(domain)) return null;
  if (!isStringArray(allowCidrs) || !isNullableString(serverAddr)) return null;
  return { type: 'start', config: { authtoken, addr, domain, allowCidrs, serverAddr } };
}

export function parseChildMessage(value: unknown): ChildMessage | null {
  if (!isRecord(value)) return null;
  switch (value.type) {
    case 'online':
      return typeof value.url === 'string' ? { type: 'online', url: value.url } : null;
    case 'status':
      return value.status === 'connected' || value.status === 'disconnected'
        ? { type: 'status', status: value.status }
        : null;
    case 'error':
      return isNullableString(value.code) && typeof value.message === 'string'
        ? { type: 'error', code: value.code, message: value.message }
        : null;
    default:
      return null;
  }
}

export const REDACTED = '***';

/**
 * Replaces every occurrence of each secret with '***', and whatever follows "authtoken:" as well,
 * because ngrok echoes the token it was given in some errors (ERR_NGROK_105, ERR_NGROK_107).
 */
export function redact(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (secret && secret.length > 0) result = result.split(secret).join(REDACTED);
  }
  return result.replace(/(authtoken\W{0,3}:\s*)(?!\*\*\*)\S+/gi, `$1${REDACTED}`);
}
