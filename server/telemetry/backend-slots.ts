// A fixed number of slots that calls take in turn: a call waits for a free slot, or gives up when
// its own signal fires (StackState hung up, the deadline passed), leaving its place in the queue.

export class SlotPool {
  #inUse = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(readonly size: number) {}

  /** Waits for a free slot, or rejects with the signal's reason when it fires first. */
  take(signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    if (this.#inUse < this.size) {
      this.#inUse++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal.removeEventListener('abort', giveUp);
        this.#inUse++;
        resolve();
      };
      const giveUp = () => {
        this.#waiting.splice(this.#waiting.indexOf(grant), 1);
        reject(signal.reason);
      };
      this.#waiting.push(grant);
      signal.addEventListener('abort', giveUp, { once: true });
    });
  }

  release(): void {
    this.#inUse--;
    this.#waiting.shift()?.();
  }
}
