// A bounded record of every exchange with the mirror, with subscribers. The window's live
// inspector, the headless output and the tray all read from here; the mirror never does.
// Recording costs little: what an entry shows is derived from the raw exchange when first read.

import type { OutgoingHttpHeaders } from 'node:http';
import { clip, ownCopy } from '../clip';
import {
  type HeaderPair,
  LOG_CAPACITY,
  type LogEntry,
  type LogSnapshot,
  type RawExchange,
  type RequestOrigin,
  type RequestPurpose,
} from '../contract/contract';
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
 * The full bodies of recent exchanges (for the window's chart, and exact replays) are kept within
 * this many bytes (UTF-8) in all; the oldest are let go first.
 */
export const RAW_BUDGET_BYTES = 16 * 1024 * 1024;
/** An exchange whose two bodies together exceed this is not kept raw at all. */
export const RAW_EXCHANGE_LIMIT_BYTES = 4 * 1024 * 1024;

export interface RequestLogLimits {
  capacity: number;
  rawBudgetBytes: number;
  rawExchangeLimitBytes: number;
}

/** Who made a request and what it replays, as the window's marker header says (see SELF_REQUEST_HEADER). */
export interface RequestMaker {
  purpose: RequestPurpose;
  replayOf: number | null;
}

/** What subscribers hear: a new entry, or that the log was emptied. */
export type LogEvent = { type: 'append'; entry: LogEntry } | { type: 'clear' };
export type LogListener = (event: LogEvent) => void;

/**
 * What an entry is derived from, and what was derived (each once, when first asked): the raw bodies
 * while the budget keeps them, then only their first BODY_LIMIT_CHARS characters.
 */
class EntrySource {
  /** The parsed request body, only while the exchange is being appended (its listeners may ask). */
  parsedRequest: unknown;
  rawRequest: string | null;
  rawResponse: Buffer | null;
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
class LoggedEntry implements LogEntry {
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

/**
 * A bounded record of every exchange with the mirror, with subscribers. Recording is cheap: an entry
 * keeps the exchange's raw text and derives its summary, laid-out bodies and header lists when first
 * read (by the window, the headless output, a test), once.
 */
export class RequestLog {
  private readonly entries: LogEntry[] = [];
  private readonly listeners = new Set<LogListener>();
  private nextId = 1;
  /** Requests recorded since start or the last clear, including those no longer kept. */
  private recorded = 0;
  /** Entries whose raw bodies are kept, by id, oldest first (a Map keeps insertion order). */
  private readonly raws = new Map<number, { entry: LogEntry; source: EntrySource }>();
  private rawBytes = 0;
  readonly capacity: number;
  readonly rawBudgetBytes: number;
  readonly rawExchangeLimitBytes: number;

  constructor(limits: number | Partial<RequestLogLimits> = {}) {
    const given = typeof limits === 'number' ? { capacity: limits } : limits;
    this.capacity = given.capacity ?? LOG_CAPACITY;
    this.rawBudgetBytes = given.rawBudgetBytes ?? RAW_BUDGET_BYTES;
    this.rawExchangeLimitBytes = Math.min(
      given.rawExchangeLimitBytes ?? RAW_EXCHANGE_LIMIT_BYTES,
      this.rawBudgetBytes,
    );
  }

  /** Records an exchange and tells every subscriber. Returns the stored entry. */
  append(
    exchange: MirrorExchange,
    origin: RequestOrigin,
    remoteAddress: string,
    maker: RequestMaker = { purpose: 'caller', replayOf: null },
  ): LogEntry {
    const method = clip(exchange.method, FIELD_LIMIT_CHARS.method);
    const url = clip(exchange.url, FIELD_LIMIT_CHARS.url);
    const source = new EntrySource(
      { operation: exchange.operation, startedAt: exchange.startedAt, method, url },
      exchange,
    );
    const entry = new LoggedEntry(source, {
      id: this.nextId++,
      time: exchange.startedAt,
      operation: exchange.operation,
      method,
      url,
      status: exchange.status,
      durationMillis: Math.round(exchange.durationMillis * 10) / 10,
      resultCount: exchange.resultCount,
      origin,
      remoteAddress: clip(remoteAddress, FIELD_LIMIT_CHARS.remoteAddress),
      error: exchange.error === undefined ? null : clip(exchange.error, FIELD_LIMIT_CHARS.error),
      findings: keptFindings(exchange.findings),
      purpose: maker.purpose,
      replayOf: maker.replayOf,
    });
    this.recorded++;
    this.entries.push(entry);
    if (this.entries.length > this.capacity) {
      const dropped = this.entries.shift();
      if (dropped) this.letRawGo(dropped.id);
    }
    this.keepRaw(entry, source);
    for (const listener of this.listeners) listener({ type: 'append', entry });
    // Past this point the summary comes from the raw text: the parsed body is not kept.
    source.parsedRequest = undefined;
    return entry;
  }

  /** Oldest first. */
  list(): LogEntry[] {
    return [...this.entries];
  }

  /** The entries kept and the count since start, for the window's list. */
  snapshot(): LogSnapshot {
    return { entries: this.list(), total: this.recorded };
  }

  /** Requests recorded since start or the last clear. */
  get total(): number {
    return this.recorded;
  }

  find(id: number): LogEntry | undefined {
    return this.entries.find((entry) => entry.id === id);
  }

  get size(): number {
    return this.entries.length;
  }

  /** Entry `id`'s bodies in full, or undefined when unknown or let go to stay within the budget. */
  raw(id: number): RawExchange | undefined {
    const kept = this.raws.get(id)?.source;
    if (!kept || kept.rawRequest === null || kept.rawResponse === null) return undefined;
    return { id, request: kept.rawRequest, response: kept.rawResponse.toString('utf8') };
  }

  /** The UTF-8 bytes of raw bodies kept now (never above rawBudgetBytes). */
  get rawBytesKept(): number {
    return this.rawBytes;
  }

  clear(): void {
    for (const id of [...this.raws.keys()]) this.letRawGo(id);
    this.entries.length = 0;
    this.recorded = 0;
    for (const listener of this.listeners) listener({ type: 'clear' });
  }

  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Keeps an exchange's bodies if they fit the per-exchange limit, letting the oldest go to make room. */
  private keepRaw(entry: LogEntry, source: EntrySource): void {
    const bytes = Buffer.byteLength(source.rawRequest ?? '') + (source.rawResponse?.length ?? 0);
    if (bytes > this.rawExchangeLimitBytes) {
      source.letRawGo();
      return;
    }
    while (this.rawBytes + bytes > this.rawBudgetBytes) {
      const oldest = this.raws.keys().next();
      if (oldest.done) break;
      this.letRawGo(oldest.value);
    }
    source.rawBytes = bytes;
    this.raws.set(entry.id, { entry, source });
    this.rawBytes += bytes;
    entry.rawKept = true;
  }

  private letRawGo(id: number): void {
    const kept = this.raws.get(id);
    if (!kept) return;
    this.raws.delete(id);
    this.rawBytes -= kept.source.rawBytes;
    kept.source.letRawGo();
    kept.entry.rawKept = false;
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
function keptFindings(findings: MirrorExchange['findings']): LogEntry['findings'] {
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
