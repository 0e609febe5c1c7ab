// A bounded record of every exchange with the mirror, with subscribers. The window's live
// inspector, the headless output and the tray all read from here; the mirror never does.

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
} from '../control/contract';
import type { MirrorExchange } from '../mirror/exchange';
import { prettyJsonPrefix } from '../pretty-json';

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

/** One exchange's bodies in full, and what they count against the budget. */
interface RawKept {
  entry: LogEntry;
  request: string;
  response: string;
  bytes: number;
}

export class RequestLog {
  private readonly entries: LogEntry[] = [];
  private readonly listeners = new Set<LogListener>();
  private nextId = 1;
  /** Requests recorded since start or the last clear, including those no longer kept. */
  private recorded = 0;
  /** Raw bodies by entry id, oldest first (a Map keeps insertion order). */
  private readonly raws = new Map<number, RawKept>();
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
    const request = formatBody(exchange.requestBody);
    const response = formatBody(exchange.responseBody);
    const entry: LogEntry = {
      id: this.nextId++,
      time: exchange.startedAt,
      operation: exchange.operation,
      method: clip(exchange.method, FIELD_LIMIT_CHARS.method),
      url: clip(exchange.url, FIELD_LIMIT_CHARS.url),
      status: exchange.status,
      durationMillis: Math.round(exchange.durationMillis * 10) / 10,
      summary: clip(exchange.summary, FIELD_LIMIT_CHARS.summary),
      resultCount: exchange.resultCount,
      origin,
      remoteAddress: clip(remoteAddress, FIELD_LIMIT_CHARS.remoteAddress),
      error: exchange.error === undefined ? null : clip(exchange.error, FIELD_LIMIT_CHARS.error),
      findings: (exchange.findings ?? []).slice(0, MAX_FINDINGS_KEPT).map((finding) => ({
        id: clip(finding.id, 40),
        severity: finding.severity,
        message: clip(finding.message, FIELD_LIMIT_CHARS.finding),
      })),
      requestBody: request.text,
      responseBody: response.text,
      requestTruncated: request.truncated,
      responseTruncated: response.truncated,
      purpose: maker.purpose,
      replayOf: maker.replayOf,
      requestHeaders: keptHeaders(exchange.headers),
      responseHeaders: keptHeaders(exchange.responseHeaders),
      rawKept: false,
    };
    this.recorded++;
    this.entries.push(entry);
    if (this.entries.length > this.capacity) {
      const dropped = this.entries.shift();
      if (dropped) this.letRawGo(dropped.id);
    }
    this.keepRaw(entry, exchange.rawRequest, exchange.rawResponse);
    for (const listener of this.listeners) listener({ type: 'append', entry });
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
    const kept = this.raws.get(id);
    return kept && { id, request: kept.request, response: kept.response };
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
  private keepRaw(entry: LogEntry, request: string, response: string): void {
    const bytes = Buffer.byteLength(request) + Buffer.byteLength(response);
    if (bytes > this.rawExchangeLimitBytes) return;
    while (this.rawBytes + bytes > this.rawBudgetBytes) {
      const oldest = this.raws.keys().next();
      if (oldest.done) break;
      this.letRawGo(oldest.value);
    }
    this.raws.set(entry.id, { entry, request, response, bytes });
    this.rawBytes += bytes;
    entry.rawKept = true;
  }

  private letRawGo(id: number): void {
    const kept = this.raws.get(id);
    if (!kept) return;
    this.raws.delete(id);
    this.rawBytes -= kept.bytes;
    kept.entry.rawKept = false;
  }
}

/** Pretty JSON when the body is structured, the raw text otherwise; cut at BODY_LIMIT_CHARS. */
export function formatBody(body: unknown): { text: string; truncated: boolean } {
  const { text, truncated } =
    typeof body === 'string'
      ? { text: body.slice(0, BODY_LIMIT_CHARS), truncated: body.length > BODY_LIMIT_CHARS }
      : prettyJsonPrefix(body, BODY_LIMIT_CHARS);
  // A cut body is copied out, so the entry does not keep the whole original alive (see ownCopy).
  return truncated ? { text: ownCopy(`${text}\n… (truncated)`), truncated } : { text, truncated };
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
