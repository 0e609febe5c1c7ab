// One entry of the request log, and what it shows: plain fields from the start, and the summary,
// the laid-out bodies and the header lists derived from the raw exchange when first read, once, each
// cut to a bound so that whatever a request carries an entry stays small (request-log.ts keeps them).
import type { OutgoingHttpHeaders } from 'node:http';
import { clip, ownCopy } from '../clip';
import type { HeaderPair, LogEntry, RequestOrigin, RequestPurpose } from '../contract/contract';
import type { MirrorExchange } from '../protocol/exchange';
import { jsonDepthExceeds, parseJsonSafely } from '../protocol/json-limits';
import { summarizeRequest } from '../protocol/summary';
import { prettyJsonText } from './pretty-json-text';

/** Bodies kept for the detail view are cut here, so 500 entries stay a few MiB at most. */
export const BODY_LIMIT_CHARS = 4096;

/**
 * Every other field a request can make long is cut too (a condition key of a million characters
 * makes a summary of a million). With the two bodies this bounds an entry's text at
 * ENTRY_LIMIT_CHARS, and the whole log at capacity × ENTRY_LIMIT_CHARS (500 × ~10 KiB ≈ 5 MB).
 */
export const FIELD_LIMIT_CHARS = {
  summary: 300,
  url: 512,
  method: 32,
  remoteAddress: 64,
  error: 300,
  finding: 300,
} as const;

/** Headers kept per direction, and the longest value kept (a header can be up to the server's 16 KiB). */
export const MAX_HEADERS_KEPT = 40;
export const HEADER_VALUE_LIMIT_CHARS = 512;

/** Findings kept per entry (an upstream mirror can break many rules at once). */
export const MAX_FINDINGS_KEPT = 10;

/** The most text one entry keeps: both bodies (with their cut marks) and every capped field. */
export const ENTRY_LIMIT_CHARS =
  2 * (BODY_LIMIT_CHARS + 20) +
  Object.values(FIELD_LIMIT_CHARS).reduce((sum, max) => sum + max, 0) +
  MAX_FINDINGS_KEPT * (FIELD_LIMIT_CHARS.finding + 60) +
  2 * MAX_HEADERS_KEPT * (HEADER_VALUE_LIMIT_CHARS + 64 + 20);

/**
 * What an entry is derived from, and what was derived (each once, when first asked): the raw bodies
 * while the budget keeps them, then only their first BODY_LIMIT_CHARS characters.
 */
export class EntrySource {
  /** The parsed request body, only while the exchange is being appended (its listeners may ask). */
  parsedRequest: unknown;
  rawRequest: string | null;
  rawResponse: Buffer | string | null;
  /** The raw bodies' first characters, once the raw bodies are let go before they were laid out. */
  requestHead: BodyHead | null = null;
  responseHead: BodyHead | null = null;
  /** UTF-8 bytes of the raw bodies, as counted against the budget. */
  rawBytes = 0;
  private summaryText: string | null;
  private requestLaidOut: { text: string; truncated: boolean } | null = null;
  private responseLaidOut: { text: string; truncated: boolean } | null = null;
  private requestPairs: HeaderPair[] | null = null;
  private responsePairs: HeaderPair[] | null = null;
  private requestHeaders: MirrorExchange['headers'] | null;
  private responseHeaders: OutgoingHttpHeaders | null;
  private readonly requestIsJson: boolean;
  private readonly responseIsJson: boolean;

  constructor(
    private readonly exchange: Pick<MirrorExchange, 'operation' | 'startedAt'> & {
      method: string;
      url: string;
    },
    from: MirrorExchange,
  ) {
    this.parsedRequest = from.requestBody;
    this.rawRequest = from.rawRequest;
    this.rawResponse = from.rawResponse;
    this.summaryText = from.summary === undefined ? null : clip(from.summary, FIELD_LIMIT_CHARS.summary);
    this.requestHeaders = from.headers;
    this.responseHeaders = from.responseHeaders;
    // A body that was not JSON (empty, malformed, HTML) is shown as its text.
    this.requestIsJson = typeof from.requestBody !== 'string' && from.requestBody !== undefined;
    this.responseIsJson = from.responseIsJson;
  }

  summary(): string {
    if (this.summaryText === null) {
      const { operation, method, url, startedAt } = this.exchange;
      const body = this.parsedRequest !== undefined ? this.parsedRequest : readBody(this.rawRequest ?? '');
      let text: string;
      try {
        text = summarizeRequest(operation, { method, url, body }, startedAt);
      } catch {
        // A body no summary rule foresaw still gets its line in the log.
        text = `${method} ${url}`;
      }
      this.summaryText = clip(text, FIELD_LIMIT_CHARS.summary);
    }
    return this.summaryText;
  }

  request(): { text: string; truncated: boolean } {
    this.requestLaidOut ??= layOut(this.requestHead ?? headOf(this.rawRequest ?? ''), this.requestIsJson);
    return this.requestLaidOut;
  }

  response(): { text: string; truncated: boolean } {
    this.responseLaidOut ??= layOut(this.responseHead ?? headOf(this.rawResponse ?? ''), this.responseIsJson);
    return this.responseLaidOut;
  }

  requestHeaderPairs(): HeaderPair[] {
    if (this.requestPairs === null) {
      this.requestPairs = keptHeaders(this.requestHeaders ?? {});
      this.requestHeaders = null;
    }
    return this.requestPairs;
  }

  responseHeaderPairs(): HeaderPair[] {
    if (this.responsePairs === null) {
      this.responsePairs = keptHeaders(this.responseHeaders ?? {});
      this.responseHeaders = null;
    }
    return this.responsePairs;
  }

  /**
   * The raw bodies are going (or never came in): keep what the summary and the laid-out bodies
   * still need, which is at most BODY_LIMIT_CHARS of each (copied, so the whole text can go).
   */
  letRawGo(): void {
    if (this.rawRequest !== null) {
      this.summary();
      if (this.requestLaidOut === null) this.requestHead = headOf(this.rawRequest);
    }
    if (this.rawResponse !== null && this.responseLaidOut === null) {
      this.responseHead = headOf(this.rawResponse);
    }
    this.rawRequest = null;
    this.rawResponse = null;
  }
}

/** The fields an entry has from the start; the rest are derived from its source when read. */
type EagerFields = Omit<LogEntry, LazyField | 'rawKept'>;
type LazyField =
  | 'summary'
  | 'requestBody'
  | 'responseBody'
  | 'requestTruncated'
  | 'responseTruncated'
  | 'requestHeaders'
  | 'responseHeaders';

/**
 * A log entry: plain fields, and getters for what is derived (cheaper to make than an object literal
 * with accessors, which was most of an append's cost). As JSON (the window, the control API) it is
 * the full LogEntry, through toJSON; a spread copy would lack the derived fields.
 */
export class LoggedEntry implements LogEntry {
  id: number;
  time: number;
  operation: LogEntry['operation'];
  method: string;
  url: string;
  status: number;
  durationMillis: number;
  resultCount: number | null;
  origin: RequestOrigin;
  remoteAddress: string;
  error: string | null;
  findings: LogEntry['findings'];
  purpose: RequestPurpose;
  replayOf: number | null;
  rawKept = false;
  readonly #source: EntrySource;

  constructor(source: EntrySource, fields: EagerFields) {
    this.#source = source;
    this.id = fields.id;
    this.time = fields.time;
    this.operation = fields.operation;
    this.method = fields.method;
    this.url = fields.url;
    this.status = fields.status;
    this.durationMillis = fields.durationMillis;
    this.resultCount = fields.resultCount;
    this.origin = fields.origin;
    this.remoteAddress = fields.remoteAddress;
    this.error = fields.error;
    this.findings = fields.findings;
    this.purpose = fields.purpose;
    this.replayOf = fields.replayOf;
  }

  get summary(): string {
    return this.#source.summary();
  }
  get requestBody(): string {
    return this.#source.request().text;
  }
  get responseBody(): string {
    return this.#source.response().text;
  }
  get requestTruncated(): boolean {
    return this.#source.request().truncated;
  }
  get responseTruncated(): boolean {
    return this.#source.response().truncated;
  }
  get requestHeaders(): HeaderPair[] {
    return this.#source.requestHeaderPairs();
  }
  get responseHeaders(): HeaderPair[] {
    return this.#source.responseHeaderPairs();
  }

  /** The whole entry, in the contract's order. */
  toJSON(): LogEntry {
    return {
      id: this.id,
      time: this.time,
      operation: this.operation,
      method: this.method,
      url: this.url,
      status: this.status,
      durationMillis: this.durationMillis,
      summary: this.summary,
      resultCount: this.resultCount,
      origin: this.origin,
      remoteAddress: this.remoteAddress,
      error: this.error,
      findings: this.findings,
      requestBody: this.requestBody,
      responseBody: this.responseBody,
      requestTruncated: this.requestTruncated,
      responseTruncated: this.responseTruncated,
      purpose: this.purpose,
      replayOf: this.replayOf,
      requestHeaders: this.requestHeaders,
      responseHeaders: this.responseHeaders,
      rawKept: this.rawKept,
    };
  }
}

/** The first characters of a raw body, enough to lay it out, and whether they are all of it. */
interface BodyHead {
  text: string;
  whole: boolean;
}

/**
 * The first BODY_LIMIT_CHARS characters of a raw body (copied when the body is longer, see ownCopy).
 * Of bytes, only the first 4 × BODY_LIMIT_CHARS are decoded: UTF-8 takes at most 4 bytes a character.
 */
function headOf(raw: string | Buffer): BodyHead {
  const text =
    typeof raw === 'string' || raw.length <= 4 * BODY_LIMIT_CHARS
      ? raw.toString()
      : raw.toString('utf8', 0, 4 * BODY_LIMIT_CHARS);
  const whole =
    text.length <= BODY_LIMIT_CHARS && (typeof raw === 'string' || raw.length <= 4 * BODY_LIMIT_CHARS);
  return whole ? { text, whole } : { text: ownCopy(text.slice(0, BODY_LIMIT_CHARS)), whole };
}

/** At most MAX_FINDINGS_KEPT findings, each cut to the log's bounds. */
export function keptFindings(findings: MirrorExchange['findings']): LogEntry['findings'] {
  if (findings === undefined || findings.length === 0) return [];
  return findings.slice(0, MAX_FINDINGS_KEPT).map((finding) => ({
    id: clip(finding.id, 40),
    severity: finding.severity,
    message: clip(finding.message, FIELD_LIMIT_CHARS.finding),
  }));
}

/** A request body's text as the mirror read it: parsed JSON, or the text when it was not JSON. */
function readBody(raw: string): unknown {
  if (raw.trim() === '' || jsonDepthExceeds(raw)) return raw;
  try {
    return parseJsonSafely(raw);
  } catch {
    return raw;
  }
}

/**
 * A body laid out for the log: pretty JSON when it was JSON, the text otherwise; cut at
 * BODY_LIMIT_CHARS with a mark.
 */
function layOut({ text, whole }: BodyHead, isJson: boolean): { text: string; truncated: boolean } {
  const laidOut = isJson ? prettyJsonText(text, BODY_LIMIT_CHARS, whole) : { text, truncated: !whole };
  // A cut body is copied out, so the entry does not keep the whole original alive (see ownCopy).
  return laidOut.truncated ? { text: ownCopy(`${laidOut.text}\n… (truncated)`), truncated: true } : laidOut;
}

/** Headers in the order they came, names lower-case, cut to the log's bounds. */
function keptHeaders(headers: MirrorExchange['headers'] | OutgoingHttpHeaders): HeaderPair[] {
  const kept: HeaderPair[] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) {
      if (kept.length >= MAX_HEADERS_KEPT) return kept;
      kept.push([clip(name.toLowerCase(), 64), clip(String(one), HEADER_VALUE_LIMIT_CHARS)]);
    }
  }
  return kept;
}
