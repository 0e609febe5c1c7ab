// What a stranger on the public URL may read of an error. A source's error names its backend
// ("Could not reach http://127.0.0.1:9090", the start of a readiness body): the window and the
// request log get that whole cause, the public answer gets a sentence that names no address.
import { CUT_MARKER, clip } from '../clip';
import type { MirrorErrorBody } from '../protocol/messages';

/** What stands in for an address in a public answer. */
const HIDDEN_ADDRESS = '(address not shown)';

/** "The mirror's Prometheus", "The upstream mirror": the backend of a source kind, in words. */
function backendOf(sourceKind: string): string {
  switch (sourceKind) {
    case 'prometheus':
      return "The mirror's Prometheus";
    case 'upstream':
      return 'The upstream mirror';
    default:
      return "The mirror's data source";
  }
}

/**
 * The body a public client gets for `body`, an error of a `sourceKind` source. A store that cannot
 * be reached becomes one fixed sentence (its cause is for the log); any other text keeps its words
 * with every URL, IP address and host name of this machine replaced by HIDDEN_ADDRESS.
 */
export function publicErrorBody(body: MirrorErrorBody, sourceKind: string): MirrorErrorBody {
  switch (body._type) {
    case 'MetricStoreConnectionError':
      return {
        _type: body._type,
        details: `${backendOf(sourceKind)} did not answer. The cause is in the request log of the app that runs the mirror.`,
      };
    case 'RemoteMirrorError': {
      const summary = hideAddresses(body.summary);
      return body.details === undefined
        ? { _type: body._type, summary }
        : { _type: body._type, summary, details: hideIn(body.details, 0) };
    }
    case 'MetricNotFoundError':
      return { ...body, details: hideAddresses(body.details) };
    case 'UnsupportedFieldTypeError':
      return body;
  }
}

const ADDRESS_PATTERNS = [
  // Any URL: scheme://host[:port][/path…]
  /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi,
  // IPv6 in brackets (with a port or not), and the loopback written bare.
  /\[[0-9a-f:.]*:[0-9a-f:.]*\](?::\d+)?/gi,
  /(?<![\w:])::1\b/g,
  // IPv4, with a port or not.
  /\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g,
  /\blocalhost(?::\d+)?\b/gi,
];

/**
 * The most characters of one text a public answer carries. A stranger chooses some of it (a 404
 * echoes the URL, up to Node's 16 KiB of headers), and two of the patterns above take time that
 * grows with the square of their input ("a.a.a…", "[::::…"): 14,000 characters took 96–164 ms of
 * the event loop, 1,000 take under 1 ms (measured on the 2-core machine this app is built on).
 */
const PUBLIC_TEXT_MAX_CHARS = 1000;

/** `text`, cut to PUBLIC_TEXT_MAX_CHARS, with every address in it replaced by HIDDEN_ADDRESS. */
function hideAddresses(text: string): string {
  const bounded =
    text.length <= PUBLIC_TEXT_MAX_CHARS ? text : withoutCutAddress(clip(text, PUBLIC_TEXT_MAX_CHARS));
  return ADDRESS_PATTERNS.reduce((current, pattern) => current.replace(pattern, HIDDEN_ADDRESS), bounded);
}

/** The characters an IP address (v4 or v6) is written with. */
const ADDRESS_CHARACTER = /[0-9A-Fa-f.:[\]]/;

/**
 * Cut text less what stood just before the cut in an address's characters: an address cut in two
 * ("at 192.168.1") no longer matches its pattern, and its start would go out.
 */
function withoutCutAddress(cut: string): string {
  const marker = cut.lastIndexOf(CUT_MARKER);
  let start = marker;
  while (start > 0 && ADDRESS_CHARACTER.test(cut[start - 1]!)) start--;
  return `${cut.slice(0, start)}${cut.slice(marker)}`;
}

/** Strings in a details value (a line, a list of lines, an upstream's error object), addresses hidden. */
function hideIn(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return hideAddresses(value);
  // Details are made by this app or parsed from a bounded answer; past a few levels there is nothing to read.
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => hideIn(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, hideIn(item, depth + 1)]));
}
