// What the mirror reports about each request it answered. The mirror knows nothing of the
// request log: it calls the `onExchange` callback it was given, and the session records it.
import type { OutgoingHttpHeaders } from 'node:http';
import type { Operation } from './messages';

/**
 * Something worth knowing about one exchange, beyond its status: a rule of the protocol an upstream
 * mirror broke (`fail`, `warn`), or how a source read the query (`info`: "served as a per-second rate").
 */
export interface ExchangeFinding {
  /** A stable name, e.g. `key-header` or `counter-as-rate`. */
  id: string;
  severity: 'info' | 'warn' | 'fail';
  message: string;
}

export interface MirrorExchange {
  /** Epoch milliseconds when the request arrived. */
  startedAt: number;
  durationMillis: number;
  /** Which of the four operations, or null for anything else (404, 405, GET /). */
  operation: Operation | null;
  method: string;
  /** The path as the client sent it (before `//` and trailing-slash normalisation). */
  url: string;
  status: number;
  /** The parsed request body when it was JSON, else the raw text (possibly empty). */
  requestBody: unknown;
  /** Whether the mirror's answer is JSON (every protocol answer; not GET /'s page, nor a pass-through's text). */
  responseIsJson: boolean;
  /** The request body text exactly as received ('' when there was none). */
  rawRequest: string;
  /**
   * The response body exactly as sent: the very bytes written to the socket. A Buffer lives outside
   * the JS heap, so a log that keeps many large answers costs the garbage collector nothing; a short
   * answer (a few KiB at most) is the string that was written, never encoded.
   */
  rawResponse: Buffer | string;
  /** The response headers as sent (X-MIRROR-API-KEY included), names lower-case, in the order set. */
  responseHeaders: OutgoingHttpHeaders;
  /**
   * A one-line summary, only where the reporter knows better than the request (an edge answer);
   * otherwise the log derives it from the request when asked, e.g. "cpu.usage · host = a-host · MEAN per 1 min · last 24 h".
   */
  summary?: string;
  /** Points, fields or values returned; null when the operation returns none. */
  resultCount: number | null;
  /** The error `_type` and its summary when the mirror answered with an error object. */
  error?: string;
  /** What the source (or the grading of an upstream's answer) noted about this exchange. */
  findings?: ExchangeFinding[];
  /** Socket facts, so the session can tell tunnel traffic from local traffic. */
  localPort: number;
  remoteAddress: string;
  headers: Record<string, string | string[] | undefined>;
}

export type ExchangeListener = (exchange: MirrorExchange) => void;
