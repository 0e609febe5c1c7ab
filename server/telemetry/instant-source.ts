// Sources that compute every answer in this process from a formula (demo, tutorial) have nothing
// to wait for: their answers are written as plain functions, tested as such, and served through
// the same asynchronous TelemetrySource as any other source by this one adapter.
import type { TestConnectionResponse } from '../protocol/messages';
import type { TelemetrySource } from './source';

type QueryOperation = 'fieldNames' | 'fieldValues' | 'metrics';

/** The four operations as immediate answers (the same queries and answers, without the waiting), plus the incident hooks. */
export type InstantAnswers = Pick<
  TelemetrySource,
  'kind' | 'catalog' | 'setIncidents' | 'answerGeneration'
> & {
  testConnection(connectionDetails: Record<string, unknown>): TestConnectionResponse;
} & {
  [Operation in QueryOperation]: (
    query: Parameters<TelemetrySource[Operation]>[0],
  ) => Awaited<ReturnType<TelemetrySource[Operation]>>;
};

/**
 * The answers as a TelemetrySource. They are computed at once, in the turn the request arrives in,
 * so there is nothing to cancel: the signal is not even asked for (deadline.ts makes it on demand).
 */
export function instantSource(answers: InstantAnswers): TelemetrySource {
  return {
    kind: answers.kind,
    instant: true,
    testConnection: async (context) => answers.testConnection(context.connectionDetails),
    fieldNames: async (query) => answers.fieldNames(query),
    fieldValues: async (query) => answers.fieldValues(query),
    metrics: async (query) => answers.metrics(query),
    catalog: () => answers.catalog(),
    setIncidents: (incidents) => answers.setIncidents(incidents),
    ...(answers.answerGeneration ? { answerGeneration: answers.answerGeneration } : {}),
  };
}
