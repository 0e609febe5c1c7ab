// Batches what the event stream brings into one update per animation frame. Pure: the scheduler is
// passed in (requestAnimationFrame in the page, a timer or a manual flush in tests).
//
// Between two frames any number of events may arrive (a busy mirror, or a hidden window where
// frames stop altogether): the queue folds them as they come, so it holds at most the newest
// `capacity` entries and the latest state, never an unbounded backlog.
import { type ControlEvent, LOG_CAPACITY, type LogEntry, type SessionState } from './contract';

/** What the stream client passes on: the contract's events, plus the full log sent on each (re)connect. */
export type StreamEvent =
  | ControlEvent
  | { type: 'log-snapshot'; entries: LogEntry[]; total: number; hasOlder: boolean };

export interface PendingUpdate {
  /** The latest state, or null when none arrived. */
  state: SessionState | null;
  /** True when the list must be emptied before `entries` are added (log cleared, or a snapshot). */
  reset: boolean;
  /** Entries to add, oldest first, at most `capacity`. */
  entries: LogEntry[];
  /** How many requests the log recorded since start (or the last clear), when an event said; else null. */
  total: number | null;
  /** With a reset: whether the app keeps entries older than the first one sent (the server says). */
  hasOlder: boolean | null;
}

export type Scheduler = (run: () => void) => void;

export class UpdateQueue {
  #pending: PendingUpdate = { state: null, reset: false, entries: [], total: null, hasOlder: null };
  #scheduled = false;

  constructor(
    private readonly schedule: Scheduler,
    private readonly flush: (update: PendingUpdate) => void,
    readonly capacity = LOG_CAPACITY,
  ) {}

  push(event: StreamEvent): void {
    const pending = this.#pending;
    switch (event.type) {
      case 'state':
        pending.state = event.state;
        break;
      case 'log-cleared':
        pending.reset = true;
        pending.entries = [];
        pending.total = 0;
        pending.hasOlder = false;
        break;
      case 'log-snapshot':
        pending.reset = true;
        pending.entries = event.entries.slice(-this.capacity);
        pending.total = event.total;
        pending.hasOlder = event.hasOlder;
        break;
      case 'log':
        for (const entry of event.entries) pending.entries.push(entry);
        pending.total = event.total;
        // Trim in chunks, not on every push, so a long backlog costs O(1) per entry.
        if (pending.entries.length > 2 * this.capacity) {
          pending.entries = pending.entries.slice(-this.capacity);
        }
        break;
    }
    this.#request();
  }

  /** Runs the pending update now (tests, and before an action that reads the list). */
  flushNow(): void {
    this.#scheduled = false;
    const update = this.#pending;
    this.#pending = { state: null, reset: false, entries: [], total: null, hasOlder: null };
    if (update.entries.length > this.capacity) update.entries = update.entries.slice(-this.capacity);
    if (update.state === null && !update.reset && update.entries.length === 0 && update.total === null)
      return;
    this.flush(update);
  }

  #request(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.schedule(() => {
      if (this.#scheduled) this.flushNow();
    });
  }
}
