// The inspector's entries: newest first, never more than the log's bound, unique by id. Pure.
import { LOG_CAPACITY, type LogEntry } from './contract';

export interface ListChange {
  /** New entries, newest first. */
  added: LogEntry[];
  /** Ids that fell off the end. */
  removed: number[];
}

export class EntryList {
  /** Newest first. */
  #items: LogEntry[] = [];
  readonly #byId = new Map<number, LogEntry>();

  constructor(readonly capacity = LOG_CAPACITY) {}

  get size(): number {
    return this.#items.length;
  }

  get(id: number): LogEntry | undefined {
    return this.#byId.get(id);
  }

  /** The newest `count` entries, newest first. */
  newest(count = this.capacity): LogEntry[] {
    return this.#items.slice(0, count);
  }

  clear(): number[] {
    const removed = this.#items.map((entry) => entry.id);
    this.#items = [];
    this.#byId.clear();
    return removed;
  }

  /** Adds entries (in any order; the log sends them oldest first), ignoring ids already held. */
  add(entries: readonly LogEntry[]): ListChange {
    const fresh = entries.filter((entry) => !this.#byId.has(entry.id));
    if (fresh.length === 0) return { added: [], removed: [] };
    fresh.sort((a, b) => b.id - a.id);
    const newestHeld = this.#items[0]?.id ?? Number.NEGATIVE_INFINITY;
    let merged = fresh.concat(this.#items);
    // Entries arrive in id order; only a late straggler needs a full sort.
    if ((fresh.at(-1)?.id ?? 0) < newestHeld) merged = merged.sort((a, b) => b.id - a.id);
    const kept = merged.slice(0, this.capacity);
    const dropped = merged.slice(this.capacity);
    for (const entry of fresh) this.#byId.set(entry.id, entry);
    for (const entry of dropped) this.#byId.delete(entry.id);
    this.#items = kept;
    const droppedIds = new Set(dropped.map((entry) => entry.id));
    const freshIds = new Set(fresh.map((entry) => entry.id));
    return {
      added: fresh.filter((entry) => !droppedIds.has(entry.id)),
      removed: dropped.filter((entry) => !freshIds.has(entry.id)).map((entry) => entry.id),
    };
  }
}
