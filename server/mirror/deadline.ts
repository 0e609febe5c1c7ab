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
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(deadlinePassed(operation, deadlineMillis)), deadlineMillis);
  const onClose = () => {
    if (!response.writableFinished) controller.abort(new ClientGoneError());
  };
  response.once('close', onClose);
  const aborted = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
  });
  try {
    return await Promise.race([call({ connectionDetails, signal: controller.signal, note }), aborted]);
  } finally {
    clearTimeout(timer);
    response.off('close', onClose);
  }
}

const seconds = (millis: number) =>
  millis % 1000 === 0 ? `${millis / 1000} s` : `${Math.round(millis / 100) / 10} s`;
