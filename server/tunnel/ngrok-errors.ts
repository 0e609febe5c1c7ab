// ngrok's failures in plain language: what happened and what to do. Pure, so it is unit-tested
// code by code. Codes and their meaning: https://ngrok.com/docs/errors/
import { TunnelError } from './tunnel';

export const AUTHTOKEN_URL = 'https://dashboard.ngrok.com/get-started/your-authtoken';
const DOMAINS_URL = 'https://dashboard.ngrok.com/cloud-edge/domains';
const SESSIONS_URL = 'https://dashboard.ngrok.com/tunnel-agents/sessions';

/** Codes of our own, for failures that ngrok gives no ERR_NGROK_… code for. */
export const TunnelErrorCode = {
  noAuthtoken: 'ERR_NGROK_4018',
  network: 'ERR_TUNNEL_NETWORK',
  timeout: 'ERR_TUNNEL_TIMEOUT',
  cancelled: 'CANCELLED',
  childExited: 'ERR_TUNNEL_CHILD_EXITED',
  childMissing: 'ERR_TUNNEL_CHILD_MISSING',
  moduleLoad: 'ERR_TUNNEL_NGROK_MODULE',
  alreadyOpen: 'ERR_TUNNEL_ALREADY_OPEN',
  unknown: 'ERR_TUNNEL_UNKNOWN',
} as const;

export interface NgrokErrorDescription {
  code: string;
  message: string;
  /** Worth trying again later (network, time-out, a session ngrok has not yet let go of). */
  retryable: boolean;
}

interface Entry {
  message: string;
  retryable: boolean;
}

const NO_AUTHTOKEN: Entry = {
  message:
    `ngrok needs an authtoken. Get yours at ${AUTHTOKEN_URL} and paste it in Settings, ` +
    'or set the NGROK_AUTHTOKEN environment variable.',
  retryable: false,
};
const INVALID_AUTHTOKEN: Entry = {
  message:
    'ngrok rejected the authtoken: it is not valid (it may have been reset or revoked). ' +
    `Copy it again from ${AUTHTOKEN_URL} and paste it in Settings.`,
  retryable: false,
};
const TOO_MANY_SESSIONS: Entry = {
  message:
    'Your ngrok account already has an agent running elsewhere, and the free plan allows only one. ' +
    `Stop the other ngrok (another terminal, app or computer; see ${SESSIONS_URL}), then try again.`,
  // After a drop, ngrok may still hold our own previous session for a few seconds.
  retryable: true,
};
const DOMAIN_NOT_RESERVED: Entry = {
  message:
    'The ngrok domain in Settings is not reserved on your ngrok account. ' +
    `Use the domain listed at ${DOMAINS_URL}, or clear the domain in Settings to get one from ngrok.`,
  retryable: false,
};
const DOMAIN_OTHER_ACCOUNT: Entry = {
  message:
    'The ngrok domain in Settings belongs to another ngrok account. ' +
    `Use an authtoken and a domain from the same account (see ${DOMAINS_URL}).`,
  retryable: false,
};
const DOMAIN_NOT_ON_PLAN: Entry = {
  message:
    'Your ngrok plan does not allow this domain. ' +
    `Use the free domain listed at ${DOMAINS_URL}, or clear the domain in Settings.`,
  retryable: false,
};
const DOMAIN_INVALID: Entry = {
  message:
    'The ngrok domain in Settings is not a valid domain name. ' +
    'Enter the host name only, for example example.ngrok-free.app, without https:// or a path.',
  retryable: false,
};
const DOMAIN_IN_USE: Entry = {
  message: 'The ngrok domain is already online in another ngrok agent. Stop that agent, then try again.',
  retryable: true,
};
const INVALID_CIDR: Entry = {
  message:
    'ngrok rejected an entry of the IP allow-list. Write each entry as an address range in CIDR form, ' +
    'for example 203.0.113.0/24 or 198.51.100.7/32.',
  retryable: false,
};
const ACCOUNT_SUSPENDED: Entry = {
  message: 'Your ngrok account is suspended. Sign in at https://dashboard.ngrok.com to see why.',
  retryable: false,
};
const EMAIL_UNVERIFIED: Entry = {
  message:
    'ngrok asks you to verify the email address of your account first: https://dashboard.ngrok.com/user/settings',
  retryable: false,
};
const AGENT_TOO_OLD: Entry = {
  message: 'ngrok no longer accepts the version of its agent built into this app. Update the app.',
  retryable: false,
};
const IP_NOT_ALLOWED: Entry = {
  message:
    'ngrok does not accept agent connections from this network (an IP restriction on the account, ' +
    'or a network that ngrok blocks). Try another network or check https://dashboard.ngrok.com/security/ip-restrictions',
  retryable: false,
};

const BY_CODE: Record<string, Entry> = {
  ERR_NGROK_4018: NO_AUTHTOKEN,
  ERR_NGROK_105: INVALID_AUTHTOKEN, // not shaped like a token
  ERR_NGROK_106: INVALID_AUTHTOKEN, // an ngrok v1 token
  ERR_NGROK_107: INVALID_AUTHTOKEN, // well formed but invalid (reset, revoked, removed from a team)
  ERR_NGROK_300: INVALID_AUTHTOKEN, // credential revoked
  ERR_NGROK_108: TOO_MANY_SESSIONS, // simultaneous agent sessions limit
  ERR_NGROK_348: TOO_MANY_SESSIONS, // sessions limit
  ERR_NGROK_319: DOMAIN_NOT_RESERVED, // must reserve the domain first
  ERR_NGROK_354: DOMAIN_NOT_RESERVED, // nested subdomain of an ngrok domain must be reserved
  ERR_NGROK_320: DOMAIN_OTHER_ACCOUNT, // reserved for another account
  ERR_NGROK_305: DOMAIN_NOT_ON_PLAN, // custom subdomain, unauthenticated
  ERR_NGROK_306: DOMAIN_NOT_ON_PLAN, // custom hostname, unauthenticated
  ERR_NGROK_313: DOMAIN_NOT_ON_PLAN, // custom subdomains need a paid plan
  ERR_NGROK_314: DOMAIN_NOT_ON_PLAN, // custom hostnames need a paid plan
  ERR_NGROK_315: DOMAIN_NOT_ON_PLAN, // wildcard names need Enterprise
  ERR_NGROK_326: DOMAIN_INVALID,
  ERR_NGROK_327: DOMAIN_INVALID,
  ERR_NGROK_328: DOMAIN_INVALID,
  ERR_NGROK_329: DOMAIN_INVALID,
  ERR_NGROK_330: DOMAIN_INVALID,
  ERR_NGROK_331: DOMAIN_INVALID,
  ERR_NGROK_347: DOMAIN_INVALID,
  ERR_NGROK_355: DOMAIN_INVALID,
  ERR_NGROK_334: DOMAIN_IN_USE, // the URL is bound to another session
  ERR_NGROK_362: INVALID_CIDR,
  ERR_NGROK_102: ACCOUNT_SUSPENDED,
  ERR_NGROK_103: ACCOUNT_SUSPENDED,
  ERR_NGROK_247: ACCOUNT_SUSPENDED,
  ERR_NGROK_337: ACCOUNT_SUSPENDED,
  ERR_NGROK_338: ACCOUNT_SUSPENDED,
  ERR_NGROK_123: EMAIL_UNVERIFIED,
  ERR_NGROK_120: AGENT_TOO_OLD,
  ERR_NGROK_121: AGENT_TOO_OLD,
  ERR_NGROK_115: IP_NOT_ALLOWED,
  ERR_NGROK_116: IP_NOT_ALLOWED,
  ERR_NGROK_9040: IP_NOT_ALLOWED,
};

/** Whether ngrok refused the tunnel because of the authtoken (a missing or invalid one), and nothing else. */
export const blamesAuthtoken = (code: string): boolean => {
  const entry = BY_CODE[code];
  return entry === NO_AUTHTOKEN || entry === INVALID_AUTHTOKEN;
};

/** The codes describeNgrokError knows by heart (for tests and documentation). */
export const KNOWN_NGROK_CODES: readonly string[] = Object.keys(BY_CODE);

export const NETWORK_MESSAGE =
  'Cannot reach ngrok: check the internet connection, or a firewall or proxy that may block it.';

// What the SDK (ngrok-rust) says when it never got a session going: no DNS, refused, unreachable,
// or a TLS handshake spoiled by an intercepting proxy.
const NETWORK_PATTERN =
  /failed to establish tcp connection|tls handshake|dns|resolve|lookup|connection refused|network is unreachable|no route to host|timed out|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH/i;

/** Keeps what ngrok said short enough to show: its first line, at most 300 characters. */
const firstLine = (raw: string): string => {
  const line = raw.trim().split('\n')[0] ?? '';
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
};

/**
 * Turns what the SDK reported into a sentence that says what to do. `code` is the SDK's
 * ERR_NGROK_… (or one of TunnelErrorCode, passed through), null when there was none.
 * `rawMessage` must already be redacted: it is quoted for codes this module does not know.
 */
export function describeNgrokError(
  code: string | null | undefined,
  rawMessage: string,
): NgrokErrorDescription {
  const found = code ?? /ERR_NGROK_\d+/.exec(rawMessage)?.[0] ?? null;
  if (found !== null) {
    const entry = BY_CODE[found];
    if (entry) return { code: found, ...entry };
    if (found.startsWith('ERR_NGROK_')) {
      const page = `https://ngrok.com/docs/errors/${found.toLowerCase()}/`;
      return {
        code: found,
        message: `ngrok refused the tunnel (${found}): ${firstLine(rawMessage)} See ${page}`,
        retryable: false,
      };
    }
  }
  if (found === TunnelErrorCode.network || NETWORK_PATTERN.test(rawMessage)) {
    return { code: TunnelErrorCode.network, message: NETWORK_MESSAGE, retryable: true };
  }
  if (found === TunnelErrorCode.moduleLoad) {
    return {
      code: found,
      message: `The ngrok component of this app could not be loaded (${firstLine(rawMessage)}). Reinstall the app.`,
      retryable: false,
    };
  }
  return {
    code: found ?? TunnelErrorCode.unknown,
    message: `ngrok could not open the tunnel: ${firstLine(rawMessage) || 'no reason given'}`,
    retryable: true,
  };
}

export const timeoutMessage = (millis: number): string =>
  `ngrok did not answer within ${Math.round(millis / 100) / 10} s: check the internet connection, ` +
  'or a firewall or proxy that may block it.';

export const childExitedMessage = (exitCode: number | null, signal: string | null): string =>
  `The ngrok helper process stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${exitCode}`}).`;

/** A TunnelError from a description: the one place that builds them, so they stay uniform. */
export const toTunnelError = (description: NgrokErrorDescription): TunnelError =>
  new TunnelError(description.code, description.message, { retryable: description.retryable });
