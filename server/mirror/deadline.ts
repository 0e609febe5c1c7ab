// Every call into a data source runs against a deadline and StackState's connection: the source
// gets an AbortSignal that fires when either ends, and the mirror answers at the deadline whether
// or not the source heeds the signal, so no source can make a request hang.
import type { ServerResponse } from 'node:http';
import { OPERATIONS, type Operation, remoteError } from '../protocol/messages';
import type { SourceContext } from '../telemetry/source';
import { TelemetryError } from '../telemetry/source';

/**
 * StackState's own UI gives a mirror 15 s ("Request timeout ui", mirror-api.md §8); the mirror's
 * default is under it, so StackState gets the mirror's reason rather than its own time-out.
 */
export const DEFAULT_DEADLINE_MILLIS = 12_000;

/** How early the mirror answers before StackState's own `requestTimeout`, for the trip back (ngrok included). */
const MAX_RETURN_MARGIN_MILLIS = 1000;
/** A very short `requestTimeout` still leaves the source this long. */
const MIN_DEADLINE_MILLIS = 100;

/** How long this request may take, and who set that: the mirror's setting or StackState's `requestTimeout`. */
export interface Deadline {
  millis: number;
  /** StackState's own `requestTimeout` (ms) when it is the tighter one, else null. */
  stackStateMillis: number | null;
}

/**
 * The smaller of the mirror's setting and the request's own top-level `requestTimeout` (ms; StackState
 * sends it beside `connectionDetails` in some requests, mirror-api.md §3.6), less a margin for the
 * trip back. Lenient: a number or a numeric string, > 0; 0, absent or anything else means "not said".
 */
export function deadlineFor(settingMillis: number, requestTimeout: unknown): Deadline {
  const asked = typeof requestTimeout === 'string' ? Number(requestTimeout) : requestTimeout;
  if (typeof asked !== 'number' || !Number.isFinite(asked) || asked <= 0)
    return { millis: settingMillis, stackStateMillis: null };
  const margin = Math.min(MAX_RETURN_MARGIN_MILLIS, Math.round(asked * 0.2));
  const allowed = Math.max(MIN_DEADLINE_MILLIS, Math.round(asked - margin));
  return allowed < settingMillis
    ? { millis: allowed, stackStateMillis: asked }
    : { millis: settingMillis, stackStateMillis: null };
}

/** The abort reason when StackState hangs up before the answer: nobody is left to read it. */
export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
  constructor() {
    super('StackState closed the connection before the answer was ready.');
  }
}

/** The error at the deadline: what ran out, and what to change (the mirror's setting or StackState's). */
export const deadlinePassed = (operation: Operation, deadline: Deadline) =>
  new TelemetryError(
    remoteError(
      `${OPERATIONS[operation].label} timed out after ${seconds(deadline.millis)}.`,
      deadline.stackStateMillis === null
        ? `The data source did not answer within ${seconds(deadline.millis)}, the mirror's request time-out. To wait longer, raise it (the window's Settings → Request time-out, or --request-timeout), keeping it under StackState's "Request timeout ui" of the Mirror data source (15 s by default).`
        : `The data source did not answer within ${seconds(deadline.millis)}: StackState allows ${seconds(deadline.stackStateMillis)} for this request (its requestTimeout), and the mirror answers a little earlier so that this reason reaches StackState before it gives up. To wait longer, raise "Request timeout ui" of the Mirror data source in StackState.`,
    ),
  );

/**
 * Runs `call` with a signal that fires at the deadline or when the response's connection closes
 * unanswered, and settles no later than that: with the call's answer, its error, or the reason.
 */
export async function withDeadline<T>(
  operation: Operation,
  response: ServerResponse,
  deadline: Deadline,
  connectionDetails: Record<string, unknown>,
  note: SourceContext['note'],
  call: (context: SourceContext) => Promise<T>,
): Promise<T> {
  // The AbortController is made only when the source asks for the signal: a source that answers
  // from memory never does, and making one per request costs a tenth of a small request's time.
  let controller: AbortController | null = null;
  let reason: unknown = null;
  let reject: (reason: unknown) => void = () => {};
  const aborted = new Promise<never>((_, fail) => {
    reject = fail;
  });
  const abort = (why: unknown) => {
    if (reason !== null) return;
    reason = why;
    controller?.abort(why);
    reject(why);
  };
  const timer = setTimeout(() => abort(deadlinePassed(operation, deadline)), deadline.millis);
  const onClose = () => {
    if (!response.writableFinished) abort(new ClientGoneError());
  };
  response.once('close', onClose);
  const context: SourceContext = {
    connectionDetails,
    note,
    get signal() {
      if (!controller) {
        controller = new AbortController();
        if (reason !== null) controller.abort(reason);
      }
      return controller.signal;
    },
  };
  try {
    return await Promise.race([call(context), aborted]);
  } finally {
    clearTimeout(timer);
    response.off('close', onClose);
  }
}

const seconds = (millis: number) =>
  millis % 1000 === 0 ? `${millis / 1000} s` : `${Math.round(millis / 100) / 10} s`;
