/**
 * Runs the session's actions one after another, so two clicks (Start, then Stop & clean up) never
 * interleave. A failed action does not stop the ones queued after it.
 */
export class ActionQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
