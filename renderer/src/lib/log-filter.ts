// What the Requests list shows: a filter (errors only, one operation, one origin or purpose) and a
// pause that holds new entries back while the user reads. Pure: no DOM.
import { LOG_CAPACITY, type LogEntry, type RequestOrigin, type RequestPurpose } from './contract';

type Operation = NonNullable<LogEntry['operation']>;

export interface LogFilter {
  errorsOnly: boolean;
  /** One operation, 'other' for requests that are none of the four (a wrong path), or 'all'. */
  operation: Operation | 'other' | 'all';
  /** Who sent it: an origin (where it came from) or a purpose (a replay, the self-test, a Check run), or 'all'. */
  source: RequestOrigin | Exclude<RequestPurpose, 'caller'> | 'all';
}

export const NO_FILTER: LogFilter = { errorsOnly: false, operation: 'all', source: 'all' };

/** An error for the list: the mirror answered 4xx/5xx, or the exchange recorded an error. */
export const isErrorEntry = (entry: Pick<LogEntry, 'status' | 'error'>): boolean =>
  entry.status >= 400 || entry.error !== null;

export function isFiltering(filter: LogFilter): boolean {
  return filter.errorsOnly || filter.operation !== 'all' || filter.source !== 'all';
}

export function matchesFilter(
  entry: Pick<LogEntry, 'status' | 'error' | 'operation' | 'origin' | 'purpose'>,
  filter: LogFilter,
): boolean {
  if (filter.errorsOnly && !isErrorEntry(entry)) return false;
  if (filter.operation !== 'all' && (entry.operation ?? 'other') !== filter.operation) return false;
  switch (filter.source) {
    case 'all':
      return true;
    case 'replay':
    case 'self-test':
    case 'check':
      return entry.purpose === filter.source;
    default:
      return entry.origin === filter.source;
  }
}

/**
 * New entries that arrived while the list was paused, newest first. Bounded: it keeps at most
 * `capacity` (the log's own bound: older ones have left the log anyway), and forgets entries the
 * log has let go, so its count is what resuming would add.
 */
export class PauseBuffer {
  #held: LogEntry[] = [];

  constructor(readonly capacity = LOG_CAPACITY) {}

  get count(): number {
    return this.#held.length;
  }

  /** Holds entries (newest first, as the entry list hands them out). */
  hold(added: readonly LogEntry[]): void {
    if (added.length === 0) return;
    this.#held = added.concat(this.#held).slice(0, this.capacity);
  }

  /** Drops entries the log no longer keeps. */
  forget(removed: readonly number[]): void {
    if (removed.length === 0 || this.#held.length === 0) return;
    const gone = new Set(removed);
    this.#held = this.#held.filter((entry) => !gone.has(entry.id));
  }

  /** Empties the buffer and returns what it held, newest first. */
  release(): LogEntry[] {
    const held = this.#held;
    this.#held = [];
    return held;
  }
}
