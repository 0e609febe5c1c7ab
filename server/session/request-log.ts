// A bounded record of every exchange with the mirror, with subscribers. The window's live
// inspector, the headless output and the tray all read from here; the mirror never does.
// Recording costs little: what an entry shows is derived from the raw exchange when first read
// (log-entry.ts); this file is the storage: the ring of entries, the raw budget, the subscribers.

import { clip } from '../clip';
import {
  LOG_CAPACITY,
  type LogEntry,
  type RawExchange,
  type RequestOrigin,
  type RequestPurpose,
} from '../contract/contract';
import type { MirrorExchange } from '../protocol/exchange';
import { EntrySource, FIELD_LIMIT_CHARS, keptFindings, LoggedEntry } from './log-entry';

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
/** A request StackState (or curl) sent: no replay, no self-test. */
export const A_CALLER: RequestMaker = Object.freeze({ purpose: 'caller', replayOf: null });

export interface RequestMaker {
  purpose: RequestPurpose;
  replayOf: number | null;
}

export {
  BODY_LIMIT_CHARS,
  ENTRY_LIMIT_CHARS,
  FIELD_LIMIT_CHARS,
  HEADER_VALUE_LIMIT_CHARS,
  MAX_FINDINGS_KEPT,
  MAX_HEADERS_KEPT,
} from './log-entry';

/** What subscribers hear: a new entry, or that the log was emptied. */
export type LogEvent = { type: 'append'; entry: LogEntry } | { type: 'clear' };
export type LogListener = (event: LogEvent) => void;

/**
 * A bounded record of every exchange with the mirror, with subscribers. Recording is cheap: an entry
 * keeps the exchange's raw text and derives its summary, laid-out bodies and header lists when first
 * read (by the window, the headless output, a test), once.
 */
export class RequestLog {
  /** The entries kept, oldest first, and each one's source at the same index. Ids are consecutive. */
  private readonly entries: LoggedEntry[] = [];
  private readonly sources: EntrySource[] = [];
  private readonly listeners = new Set<LogListener>();
  private nextId = 1;
  /** Requests recorded since start or the last clear, including those no longer kept. */
  private recorded = 0;
  /**
   * Raw bodies are let go oldest first: no entry older than this id keeps them. An array and an id,
   * not a map of kept entries: recording is on every request's path, and this costs no allocation.
   */
  private oldestRawId = 1;
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
    maker: RequestMaker = A_CALLER,
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
    this.sources.push(source);
    if (this.entries.length > this.capacity) this.dropOldest();
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

  /** Requests recorded since start or the last clear. */
  get total(): number {
    return this.recorded;
  }

  find(id: number): LogEntry | undefined {
    return this.entries[this.indexOf(id)];
  }

  get size(): number {
    return this.entries.length;
  }

  /** Entry `id`'s bodies in full, or undefined when unknown or let go to stay within the budget. */
  raw(id: number): RawExchange | undefined {
    const index = this.indexOf(id);
    const kept = this.entries[index]?.rawKept ? this.sources[index] : undefined;
    if (!kept || kept.rawRequest === null || kept.rawResponse === null) return undefined;
    const response = kept.rawResponse;
    return {
      id,
      request: kept.rawRequest,
      response: typeof response === 'string' ? response : response.toString('utf8'),
    };
  }

  /** The UTF-8 bytes of raw bodies kept now (never above rawBudgetBytes). */
  get rawBytesKept(): number {
    return this.rawBytes;
  }

  clear(): void {
    for (let index = 0; index < this.entries.length; index++) this.letRawGo(index);
    this.entries.length = 0;
    this.sources.length = 0;
    this.recorded = 0;
    for (const listener of this.listeners) listener({ type: 'clear' });
  }

  subscribe(listener: LogListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where entry `id` is in `entries` (ids are consecutive), or -1. */
  private indexOf(id: number): number {
    const index = id - (this.entries[0]?.id ?? 0);
    return this.entries[index]?.id === id ? index : -1;
  }

  private dropOldest(): void {
    this.letRawGo(0);
    this.entries.shift();
    this.sources.shift();
  }

  /** Keeps an exchange's bodies if they fit the per-exchange limit, letting the oldest go to make room. */
  private keepRaw(entry: LoggedEntry, source: EntrySource): void {
    const bytes = Buffer.byteLength(source.rawRequest ?? '') + Buffer.byteLength(source.rawResponse ?? '');
    if (bytes > this.rawExchangeLimitBytes) {
      source.letRawGo();
      return;
    }
    while (this.rawBytes + bytes > this.rawBudgetBytes && this.oldestRawId < entry.id) {
      const index = this.indexOf(this.oldestRawId);
      if (index >= 0) this.letRawGo(index);
      // Ids below the first entry left with it.
      this.oldestRawId = Math.max(this.oldestRawId + 1, this.entries[0]?.id ?? 0);
    }
    source.rawBytes = bytes;
    this.rawBytes += bytes;
    entry.rawKept = true;
  }

  /** Lets the raw bodies of the entry at `index` go, if it keeps them. */
  private letRawGo(index: number): void {
    const entry = this.entries[index];
    const source = this.sources[index];
    if (!entry?.rawKept || !source) return;
    this.rawBytes -= source.rawBytes;
    source.letRawGo();
    entry.rawKept = false;
  }
}
