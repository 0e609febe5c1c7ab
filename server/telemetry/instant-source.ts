// Sources that compute every answer in this process from a formula (demo, tutorial) have nothing
// to wait for: their answers are written as plain functions, tested as such, and served through
// the same asynchronous TelemetrySource as any other source by this one adapter.
import type { TestConnectionResponse } from '../mirror/protocol';
import type { TelemetrySource } from './source';

type QueryOperation = 'fieldNames' | 'fieldValues' | 'metrics';

/** The four operations as immediate answers (the same queries and answers, without the waiting), plus the incident hooks. */
export type InstantAnswers = Pick<TelemetrySource, 'kind' | 'catalog' | 'setIncidents'> & {
  testConnection(connectionDetails: Record<string, unknown>): TestConnectionResponse;
} & {
  [Operation in QueryOperation]: (
    query: Parameters<TelemetrySource[Operation]>[0],
  ) => Awaited<ReturnType<TelemetrySource[Operation]>>;
};

/**
 * The answers as a TelemetrySource. A request whose signal has already fired (StackState hung up
 * while it waited in line) is not computed at all.
 */
export function instantSource(answers: InstantAnswers): TelemetrySource {
  const answer = async <T>(signal: AbortSignal, compute: () => T): Promise<T> => {
    signal.throwIfAborted();
    return compute();
  };
  return {
    kind: answers.kind,
    testConnection: (context) =>
      answer(context.signal, () => answers.testConnection(context.connectionDetails)),
    fieldNames: (query, context) => answer(context.signal, () => answers.fieldNames(query)),
    fieldValues: (query, context) => answer(context.signal, () => answers.fieldValues(query)),
    metrics: (query, context) => answer(context.signal, () => answers.metrics(query)),
    catalog: () => answers.catalog(),
    setIncidents: (incidents) => answers.setIncidents(incidents),
  };
}
