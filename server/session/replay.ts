// Sends a logged request again to this mirror, and returns the new exchange's log entry. That
// entry is found by a one-off marker header, not by timing: other requests may arrive meanwhile.
import { randomUUID } from 'node:crypto';
import type { LogEntry } from '../contract/contract';
import { ActionError } from './action-error';
import { A_CALLER, type RequestLog, type RequestMaker } from './request-log';
import { SELF_REQUEST_HEADER } from './self-test';

export class Replayer {
  /** Marker → the waiting replay's resolve. */
  private readonly pending = new Map<string, (entry: LogEntry) => void>();

  /** Markers of the app's own runs under way (self-tests, Check runs), and what each is. */
  private readonly ownRuns = new Map<string, 'self-test' | 'check'>();

  constructor(private readonly log: RequestLog) {}

  /**
   * Who made a request with this marker header. Only markers this process handed out count, so a
   * caller cannot dress its request up as a replay or a self-test by sending the header itself.
   */
  makerOf(marker: string | undefined): RequestMaker {
    const own = marker === undefined ? undefined : this.ownRuns.get(marker);
    if (own) return { purpose: own, replayOf: null };
    if (marker && this.pending.has(marker)) {
      return { purpose: 'replay', replayOf: Number(marker.split('-')[1]) };
    }
    return A_CALLER;
  }

  /** Runs `test` with a fresh self-test marker that makerOf recognises while it runs. */
  asSelfTest<T>(test: (marker: string) => Promise<T>): Promise<T> {
    return this.asOwnRun('self-test', test);
  }

  /** Runs `run` with a fresh marker for `purpose` that makerOf recognises while it runs. */
  async asOwnRun<T>(purpose: 'self-test' | 'check', run: (marker: string) => Promise<T>): Promise<T> {
    const marker = `${purpose}-${randomUUID()}`;
    this.ownRuns.set(marker, purpose);
    try {
      return await run(marker);
    } finally {
      this.ownRuns.delete(marker);
    }
  }

  /** Told of every logged exchange with its marker header, if any: settles the replay that sent it. */
  recorded(marker: string | undefined, entry: LogEntry): void {
    if (marker) this.pending.get(marker)?.(entry);
  }

  /**
   * Replays entry `id` to the mirror at `localUrl` (null when the mirror is not running).
   * Throws an ActionError when it cannot be replayed exactly, or gets no answer in time.
   */
  async replay(id: number, localUrl: string | null, timeoutMillis: number): Promise<LogEntry> {
    const entry = this.log.find(id);
    if (!entry) throw new ActionError(`no logged request with id ${id}`);
    // The body as received while the log keeps it; the logged text is the same only when it was not cut.
    const body = this.log.raw(id)?.request ?? (entry.requestTruncated ? null : entry.requestBody);
    if (body === null)
      throw new ActionError('that request body was cut short in the log, so it cannot be replayed exactly');
    if (!localUrl) throw new ActionError('the mirror is not running');
    // The logged URL is whatever the client sent (an absolute form, `/\host`…): only its path and
    // query are replayed, and only to this mirror.
    const local = new URL(localUrl);
    const target = new URL(entry.url.replace(/^[/\\]+/, '/'), local);
    if (target.origin !== local.origin)
      throw new ActionError('that request was not addressed to this mirror');
    const marker = `replay-${id}-${randomUUID()}`;
    let timer: NodeJS.Timeout | undefined;
    const recorded = new Promise<LogEntry>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new ActionError('the mirror did not answer the replay in time')),
        timeoutMillis,
      );
      this.pending.set(marker, resolve);
    });
    try {
      const response = await fetch(target, {
        method: entry.method,
        headers: { 'content-type': 'application/json', [SELF_REQUEST_HEADER]: marker },
        body: entry.method === 'GET' || entry.method === 'HEAD' ? undefined : body,
        signal: AbortSignal.timeout(timeoutMillis),
      });
      await response.arrayBuffer();
      return await recorded;
    } finally {
      clearTimeout(timer);
      this.pending.delete(marker);
    }
  }
}

/** What most requests are: StackState's, or anyone's on the mirror's address. */
