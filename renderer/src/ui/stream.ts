// The control API's event stream. EventSource reconnects on its own after a dropped connection;
// an HTTP error (a wrong token) closes it for good, so that case is checked and reported instead.
import { type ControlEvent, ROUTES, TOKEN_QUERY } from '../lib/contract';
import type { StreamEvent } from '../lib/update-queue';
import type { ControlApi } from './api';
import { ApiError } from './api';

export type Link =
  | { state: 'connecting' }
  | { state: 'open' }
  | { state: 'down' }
  | { state: 'refused'; message: string };

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
    current.onopen = () => {
      expectSnapshot = true;
      onLink({ state: 'open' });
    };
    current.onmessage = (message: MessageEvent<string>) => {
      let event: ControlEvent;
      try {
        event = JSON.parse(message.data) as ControlEvent;
      } catch {
        return;
      }
      if (event.type === 'log' && expectSnapshot) {
        expectSnapshot = false;
        onEvent({ type: 'log-snapshot', entries: event.entries });
        return;
      }
      onEvent(event);
    };
    current.onerror = () => {
      if (stopped) return;
      if (current.readyState === EventSource.CONNECTING) {
        // The browser retries by itself.
        onLink({ state: 'down' });
        return;
      }
      // Closed for good: find out why (a refused token, or the app is gone), then try again if it may help.
      current.close();
      void api.get(ROUTES.state).then(
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
