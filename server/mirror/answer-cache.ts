// The bytes of answers already sent, for a source whose answers depend only on the query (the
// demo; see TelemetrySource.answerGeneration). StackState asks the same query again whenever a
// stream is shown or a check polls it; a repeat then costs a lookup instead of computing and
// serialising the answer again (for a 1,440-point answer, most of the request's cost).
//
// Bounded: at most ANSWER_CACHE_BYTES of answers and keys in all, least recently used first out.
// The answers are Buffers (outside the JS heap, so the garbage collector never copies them), and
// the same Buffer goes to the socket and to the request log. A small Buffer is usually a slice of
// Node's shared 8 KiB pool, and keeping it keeps the whole block: such an answer is copied into a
// Buffer of its own before it is kept, so the bytes counted are the bytes held.

/** The most bytes of answers (and their keys) kept. */
export const ANSWER_CACHE_BYTES = 8 * 1024 * 1024;
/** An answer larger than this is not kept (a 10,000-point answer is about 500 KB). */
export const ANSWER_CACHE_ENTRY_BYTES = 1024 * 1024;
/** A query whose text is longer than this is not kept: real queries are a few hundred bytes. */
export const ANSWER_CACHE_KEY_CHARS = 4096;

export interface CachedAnswer {
  /** The serialised answer, exactly as sent. */
  bytes: Buffer;
  /** Points, fields or values in it, for the request log. */
  resultCount: number;
}

export class AnswerCache {
  private readonly answers = new Map<string, CachedAnswer>();
  private bytesKept = 0;
  /** Whose answers are kept, and of which generation: any change empties the cache. */
  private owner: object | null = null;
  private generation = 0;

  constructor(
    private readonly budgetBytes = ANSWER_CACHE_BYTES,
    private readonly entryLimitBytes = ANSWER_CACHE_ENTRY_BYTES,
  ) {}

  /** The key of a query: its operation and its validated fields as JSON (null when too long to keep). */
  static keyOf(operation: string, query: unknown): string | null {
    const key = `${operation}\n${JSON.stringify(query)}`;
    return key.length <= ANSWER_CACHE_KEY_CHARS ? key : null;
  }

  get(owner: object, generation: number, key: string): CachedAnswer | undefined {
    this.follow(owner, generation);
    const answer = this.answers.get(key);
    if (answer) {
      // Most recently used last: a Map keeps insertion order.
      this.answers.delete(key);
      this.answers.set(key, answer);
    }
    return answer;
  }

  set(owner: object, generation: number, key: string, answer: CachedAnswer): void {
    this.follow(owner, generation);
    const size = sizeOf(key, answer);
    if (answer.bytes.length > this.entryLimitBytes || size > this.budgetBytes) return;
    this.forget(key);
    while (this.bytesKept + size > this.budgetBytes) {
      const oldest = this.answers.keys().next();
      if (oldest.done) break;
      this.forget(oldest.value);
    }
    this.answers.set(key, { bytes: ownBytes(answer.bytes), resultCount: answer.resultCount });
    this.bytesKept += size;
  }

  /** Lets every answer go, and the source they came from (another source is serving now). */
  clear(): void {
    if (this.owner === null) return;
    this.answers.clear();
    this.bytesKept = 0;
    this.owner = null;
  }

  /** Bytes of answers and keys kept now (never above the budget). */
  get bytes(): number {
    return this.bytesKept;
  }

  private follow(owner: object, generation: number): void {
    if (owner === this.owner && generation === this.generation) return;
    this.answers.clear();
    this.bytesKept = 0;
    this.owner = owner;
    this.generation = generation;
  }

  private forget(key: string): void {
    const answer = this.answers.get(key);
    if (!answer) return;
    this.answers.delete(key);
    this.bytesKept -= sizeOf(key, answer);
  }
}

/** A key's characters count twice (UTF-16 in the heap); the answer's bytes once. */
const sizeOf = (key: string, answer: CachedAnswer) => key.length * 2 + answer.bytes.length;

/**
 * `bytes` in memory of their own: a slice of a larger block (Node's shared pool, or any bigger
 * Buffer) is copied out, so keeping it does not keep the block alive.
 */
function ownBytes(bytes: Buffer): Buffer {
  if (bytes.byteOffset === 0 && bytes.buffer.byteLength === bytes.length) return bytes;
  const copy = Buffer.allocUnsafeSlow(bytes.length);
  bytes.copy(copy);
  return copy;
}
