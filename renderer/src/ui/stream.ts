// The control API's event stream. EventSource reconnects on its own after a dropped connection;
// an HTTP error (a wrong token) closes it for good, so that case is checked and reported instead.
//
// When the page stops reading for a while (a frozen tab), the server stops queueing for it and later
// says how much it skipped (`log-gap`): the log is then reloaded and replaces the list, so no hole is
// left. A page that stayed away too long gets `stream-end` and reconnects at once (a new snapshot).
import {
  type ControlError,
  type ControlEvent,
  LOG_CAPACITY,
  type LogEntry,
  type LogPage,
  ROUTES,
  TOKEN_QUERY,
} from '../lib/contract';
import type { StreamEvent } from '../lib/update-queue';
import type { ControlApi } from './api';
import { ApiError } from './api';

export type Link =
  | { state: 'connecting' }
  | { state: 'open' }
  | { state: 'down' }
  | { state: 'refused'; message: string }
  /** The app serves its most event streams already (HTTP 503): the message says so; retried. */
  | { state: 'busy'; message: string };

export interface StreamOptions {
  api: ControlApi;
  onEvent(event: StreamEvent): void;
  onLink(link: Link): void;
}

const RETRY_MILLIS = 2000;

export function connectStream({ api, onEvent, onLink }: StreamOptions): () => void {
  let source: EventSource | null = null;
  let retry: number | undefined;
  let stopped = false;

  const open = () => {
    onLink({ state: 'connecting' });
    const url = `${ROUTES.events}?${TOKEN_QUERY}=${encodeURIComponent(api.token)}`;
    const current = new EventSource(url);
    source = current;
    // The server starts every connection with the state and then the full log: that log replaces ours.
    let expectSnapshot = true;
    // While the log is being reloaded after a gap, what the stream brings waits here (the newest only).
    let held: LogEntry[] | null = null;
    // The count since start that the newest held batch reported.
    let heldTotal = 0;
    // The newest id in the reloaded log: the stream may still bring older entries, already in it.
    let reloadedUpTo = 0;
    let reloads = 0;
    const reloadLog = () => {
      const attempt = ++reloads;
      held = [];
      api.get<LogPage>(ROUTES.log).then(
        ({ entries, total, hasOlder }) => {
          if (attempt !== reloads || source !== current || held === null) return;
          reloadedUpTo = Math.max(reloadedUpTo, entries.at(-1)?.id ?? 0);
          const waiting = held.filter((entry) => entry.id > reloadedUpTo);
          held = null;
          onEvent({ type: 'log-snapshot', entries, total, hasOlder });
          if (waiting.length > 0)
            onEvent({ type: 'log', entries: waiting, total: Math.max(total, heldTotal) });
        },
        () => {
          if (attempt !== reloads || source !== current) return;
          // No log to reload from: a new connection brings one with it.
          current.close();
          onLink({ state: 'down' });
          schedule();
        },
      );
    };
    current.onopen = () => {
      expectSnapshot = true;
      held = null;
      reloadedUpTo = 0;
      reloads++;
      onLink({ state: 'open' });
    };
    current.onmessage = (message: MessageEvent<string>) => {
      let event: ControlEvent;
      try {
        event = JSON.parse(message.data) as ControlEvent;
      } catch {
        return;
      }
      switch (event.type) {
        case 'log': {
          if (expectSnapshot) {
            expectSnapshot = false;
            // The first frame says whether the app keeps older entries; a server that does not say might.
            onEvent({
              type: 'log-snapshot',
              entries: event.entries,
              total: event.total,
              hasOlder: event.hasOlder ?? true,
            });
            return;
          }
          if (held) {
            held.push(...event.entries);
            heldTotal = event.total;
            if (held.length > 2 * LOG_CAPACITY) held = held.slice(-LOG_CAPACITY);
            return;
          }
          const fresh = event.entries.filter((entry) => entry.id > reloadedUpTo);
          if (fresh.length > 0) onEvent({ type: 'log', entries: fresh, total: event.total });
          return;
        }
        case 'log-cleared':
          // A reload under way may have read the log before it was emptied: read it again.
          if (held) reloadLog();
          else onEvent(event);
          return;
        case 'log-gap':
          reloadLog();
          return;
        case 'stream-end':
          current.close();
          if (!stopped) open();
          return;
        default:
          onEvent(event);
      }
    };
    current.onerror = () => {
      if (stopped) return;
      if (current.readyState === EventSource.CONNECTING) {
        // The browser retries by itself.
        onLink({ state: 'down' });
        return;
      }
      // Closed for good: find out why (too many streams, a refused token, or the app is gone), then
      // try again if it may help. EventSource hides the status, so the stream's URL is asked once more.
      current.close();
      void streamRefusal(url).then((busy) => {
        if (busy === null) return checkState();
        onLink({ state: 'busy', message: busy });
        schedule();
      });
    };
    const checkState = () =>
      api.get(ROUTES.state).then(
        () => schedule(),
        (error: unknown) => {
          if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
            onLink({ state: 'refused', message: error.message });
          } else {
            onLink({ state: 'down' });
            schedule();
          }
        },
      );
  };

  const schedule = () => {
    if (stopped) return;
    window.clearTimeout(retry);
    retry = window.setTimeout(open, RETRY_MILLIS);
  };

  open();
  return () => {
    stopped = true;
    window.clearTimeout(retry);
    source?.close();
  };
}

/** The server's message when it refused the stream for having too many open (503), else null. */
async function streamRefusal(url: string): Promise<string | null> {
  const controller = new AbortController();
  try {
    const response = await fetch(url, { signal: controller.signal });
    if (response.status !== 503) return null;
    const body = (await response.json()) as Partial<ControlError>;
    return typeof body.error === 'string' ? body.error : null;
  } catch {
    return null;
  } finally {
    // A stream that did open this time is not the one used: close it.
    controller.abort();
  }
}

/**
 * The "show older" hook: the log entries before `beforeId` (the first one the page shows), the
 * newest of them within the server's page size, oldest first; `hasOlder` says whether to offer more.
 */
export const loadOlderLog = (api: ControlApi, beforeId: number): Promise<LogPage> =>
  api.get<LogPage>(`${ROUTES.log}?before=${beforeId}`);
