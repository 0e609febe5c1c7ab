// Lines for a reader that may stop reading: the headless mode's stdout piped into something that
// stalls (a paused pager, a full `| tee`, a log shipper that is down). A pipe nobody reads queues every
// write in this process, so a busy public mirror would grow it without end. Past a small bound, the
// per-request lines are dropped and counted, only the newest state line is kept, and once the reader
// has taken everything one line says what was dropped. Lines that are rare (ready, notices, stopped)
// are always written.
import type { Writable } from 'node:stream';

/** Bytes waiting in this process for the reader beyond which request lines are dropped. */
export const OUTPUT_MAX_BUFFERED_BYTES = 256 * 1024;

/** How long a request line may wait for others to go out with it, and the most that wait together. */
const BATCH_MILLIS = 10;
const BATCH_LINES = 256;

export interface BoundedOutputOptions {
  /** The line written when the reader catches up, for `count` dropped lines. */
  droppedLine(count: number): string;
  maxBufferedBytes?: number;
}

export class BoundedOutput {
  readonly #out: Writable;
  readonly #droppedLine: (count: number) => string;
  readonly #maxBufferedBytes: number;
  /** Set from when the bound is passed until the reader has taken everything ('drain'). */
  #behind = false;
  #dropped = 0;
  /** The newest `latest()` line while behind. */
  #held: string | null = null;
  /** Request lines of the last few milliseconds, written together: one write, not one each. */
  #pending: string[] = [];

  constructor(out: Writable, options: BoundedOutputOptions) {
    this.#out = out;
    this.#droppedLine = options.droppedLine;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? OUTPUT_MAX_BUFFERED_BYTES;
  }

  /** How many lines have been dropped since the last report of them. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * A line that may be dropped (and counted) while the reader is behind: one per request. It is made
   * only when the reader keeps up, and then at once: what it reads (a log entry as it is recorded,
   * its request still parsed) is cheapest to read now.
   */
  droppable(line: () => string): void {
    if (this.#behind) {
      this.#dropped++;
      return;
    }
    // A busy mirror answers thousands of requests a second; a write (a system call, and a wake-up
    // of the reader) per line, or even per turn of the event loop, was a large part of its cost.
    // The lines of a short moment go out together (no timer while idle; a bounded batch).
    if (this.#pending.length === 0) setTimeout(() => this.#flush(), BATCH_MILLIS);
    this.#pending.push(line());
    if (this.#pending.length >= BATCH_LINES) this.#flush();
  }

  /** A line of which only the newest matters (a state): held while the reader is behind. */
  latest(line: string): void {
    this.#flush();
    if (this.#behind) this.#held = line;
    else this.#write(line);
  }

  /** A line that is always written, after the report of what was dropped and the held line. */
  always(line: string): void {
    this.#flush();
    this.#catchUp();
    this.#write(line);
  }

  /** Writes the turn's request lines in one go, or counts them as dropped if the reader fell behind. */
  #flush(): void {
    const lines = this.#pending;
    if (lines.length === 0) return;
    this.#pending = [];
    if (this.#behind) this.#dropped += lines.length;
    else this.#write(lines.join('\n'));
  }

  #write(line: string): void {
    const out = this.#out;
    if (out.write(`${line}\n`) || this.#behind || out.writableLength <= this.#maxBufferedBytes) return;
    // write() returned false, so 'drain' comes once the reader has taken everything.
    this.#behind = true;
    out.once('drain', () => {
      this.#behind = false;
      this.#catchUp();
    });
  }

  #catchUp(): void {
    if (this.#dropped > 0) {
      const count = this.#dropped;
      this.#dropped = 0;
      this.#write(this.#droppedLine(count));
    }
    if (this.#held !== null) {
      const line = this.#held;
      this.#held = null;
      this.#write(line);
    }
  }
}
