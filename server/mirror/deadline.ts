// Every call into a data source runs against a deadline and StackState's connection: the source
// gets an AbortSignal that fires when either ends, and the mirror answers at the deadline whether
// or not the source heeds the signal, so no source can make a request hang.
import type { ServerResponse } from 'node:http';
import type { SourceContext } from '../telemetry/source';
import { TelemetryError } from '../telemetry/source';
import { OPERATIONS, type Operation } from './protocol';

/** StackState's own UI gives a mirror 15 s ("Request timeout ui"); background calls have no stated limit. */
export const DEFAULT_DEADLINE_MILLIS = 20_000;

/** The abort reason when StackState hangs up before the answer: nobody is left to read it. */
export class ClientGoneError extends Error {
  override name = 'ClientGoneError';
  constructor() {
    super('StackState closed the connection before the answer was ready.');
  }
}

export const deadlinePassed = (operation: Operation, millis: number) =>
  new TelemetryError({
    _type: 'RemoteMirrorError',
    summary: `${OPERATIONS[operation].label} timed out after ${seconds(millis)}.`,
    details: `The data source did not answer within ${seconds(millis)}, the mirror's request time-out.`,
  });

/**
 * Runs `call` with a signal that fires at the deadline or when the response's connection closes
 * unanswered, and settles no later than that: with the call's answer, its error, or the reason.
 */
export async function withDeadline<T>(
  operation: Operation,
  response: ServerResponse,
  deadlineMillis: number,
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
  const timer = setTimeout(() => abort(deadlinePassed(operation, deadlineMillis)), deadlineMillis);
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
