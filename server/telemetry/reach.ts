// Why an address could not be reached, in one plain sentence a user can act on: "Nothing answers at
// 127.0.0.1:1 (connection refused) — is it running?". fetch() only says "fetch failed" and hides the
// system error in `cause`; this finds it. Shared by the data sources' backend calls, `npm run check`
// and the window's Check tab, Test buttons and self-test, so each says the same thing.
import { connect } from 'node:net';

const CAUSES: Record<string, string> = {
  ECONNRESET: 'the connection was reset',
  EAI_AGAIN: 'its host name could not be looked up',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network cannot be reached',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  UND_ERR_HEADERS_TIMEOUT: 'it sent no answer in time',
  UND_ERR_BODY_TIMEOUT: 'it stopped sending its answer',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
};

/** How long the probe of a port fetch() refuses may take. */
const PROBE_MILLIS = 2000;

/** The system error's code (or undici's "bad port") inside fetch()'s error, if any. */
export function causeCode(error: unknown): string | null {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    if (current.message === 'bad port') return 'BAD_PORT';
    current = current.cause;
  }
  return null;
}

const hostOf = (url: URL) => url.host || url.hostname;

/** Nothing listens: the one sentence for it, wherever it is said. */
export const nothingAnswers = (url: URL): string =>
  `Nothing answers at ${hostOf(url)} (connection refused) — is it running?`;

/** Why a call did not reach its address: the plain sentence, and whether no server is there at all. */
export interface Unreached {
  sentence: string;
  /**
   * No exchange could happen at all (nothing listens, no such host, no route, or a port fetch()
   * refuses to call): not a server that broke the exchange.
   */
  nothingThere: boolean;
}

/** The system errors that mean no server is there at all. */
const NOTHING_THERE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Why a failed call to `url` did not reach it, or null when the error is not about reaching it.
 * A port that fetch() will not call (1, 22, 6000…) is probed with a plain TCP connection, to say
 * whether anything listens there at all.
 */
export async function whyUnreached(url: URL, error: unknown): Promise<Unreached | null> {
  const code = causeCode(error);
  if (code === null) return null;
  if (code === 'BAD_PORT') {
    return (await listens(url))
      ? {
          sentence: `Port ${url.port} is one that fetch() refuses to call (a blocked port, as in browsers): give that server another port.`,
          nothingThere: true,
        }
      : { sentence: nothingAnswers(url), nothingThere: true };
  }
  return { sentence: sentenceFor(url, code), nothingThere: NOTHING_THERE.has(code) };
}

function sentenceFor(url: URL, code: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return nothingAnswers(url);
    case 'ENOTFOUND':
      return `The host name ${url.hostname} is not known — is the address typed right?`;
    default:
      return `Cannot reach ${hostOf(url)}: ${CAUSES[code] ?? code}.`;
  }
}

/** Whether anything accepts a TCP connection at the URL's host and port. */
function listens(url: URL): Promise<boolean> {
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  return new Promise((resolve) => {
    const socket = connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port });
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(PROBE_MILLIS, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
