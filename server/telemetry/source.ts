// What the mirror serves. A TelemetrySource answers the four mirror operations with
// protocol-shaped data and knows nothing of HTTP: the mirror plugin validates the request, calls
// the source with the request's connection details and an AbortSignal, and turns a thrown
// TelemetryError into the protocol's error object.
//
// Every operation is asynchronous, since a source may call another server (Prometheus, the user's
// own mirror). The signal fires when StackState hangs up or the mirror's deadline passes: a source
// that calls a backend passes it on, so the backend call stops too.

import type { ExchangeFinding } from '../protocol/exchange';
import {
  type FieldNamesQuery,
  type FieldNamesResponse,
  type FieldValuesQuery,
  type FieldValuesResponse,
  type MetricsQuery,
  type MetricsResponse,
  type MirrorErrorBody,
  type Operation,
  remoteError,
  type TestConnectionResponse,
} from '../protocol/messages';

/** What comes with every operation besides its query. */
export interface SourceContext {
  /** The data source's "Connection details JSON", as StackState sent it: any object, no key promised. */
  connectionDetails: Record<string, unknown>;
  /** Aborted when StackState hangs up or the deadline passes; its `reason` says which. */
  signal: AbortSignal;
  /** Notes something about this exchange for the request log (a counter served as a rate, a rule broken). */
  note(finding: ExchangeFinding): void;
}

/**
 * A foreign mirror's answer, to be sent to StackState as it came: `status`, `apiKey` (the
 * X-MIRROR-API-KEY header, null when it sent none) and `body`, byte for byte.
 */
export interface ForwardedAnswer {
  status: number;
  apiKey: string | null;
  contentType: string | null;
  body: Buffer;
  /** For the request log: the body parsed as JSON, or its text. */
  logBody: unknown;
  /** Points, fields or values in the answer; null when it has none (or is not readable). */
  resultCount: number | null;
  /** `_type (summary)` when the answer is a protocol error object. */
  error?: string;
}

/** Marks a request a pass-through source sent: one arriving at a pass-through mirror means it forwards to itself. */
export const FORWARDED_HEADER = 'X-Mirror-Tray-Forwarded';

/** A simulated incident: one series spikes from `startMillis` for `durationMillis`. */
export interface Incident {
  id: string;
  /** The dimension conditions that pick the series, e.g. `{ host: 'a-host' }`. */
  series: Record<string, string>;
  /** The metric field that spikes, e.g. `cpu.usage`. */
  metric: string;
  startMillis: number;
  durationMillis: number;
  /** How much higher than normal the metric runs during the incident (e.g. 3 = three times). */
  factor: number;
}

export interface TelemetrySource {
  /** Its kind's name in the registry (registry.ts), e.g. `demo`. */
  readonly kind: string;
  /**
   * True for a source that computes every answer at once, in the turn the request arrives in
   * (demo, tutorial): it cannot outlive a deadline, so the mirror sets none for it.
   */
  readonly instant?: boolean;
  testConnection(context: SourceContext): Promise<TestConnectionResponse>;
  fieldNames(query: FieldNamesQuery, context: SourceContext): Promise<FieldNamesResponse>;
  fieldValues(query: FieldValuesQuery, context: SourceContext): Promise<FieldValuesResponse>;
  metrics(query: MetricsQuery, context: SourceContext): Promise<MetricsResponse>;
  /** A short catalog for the UI's incident simulator: which series and metrics exist. */
  catalog(): { dimensions: Record<string, string[]>; metrics: string[] };
  /** Overlay incidents (replaces the current set). Sources without incidents ignore them. */
  setIncidents(incidents: readonly Incident[]): void;
  /**
   * Present on a source whose answers depend on nothing but the query and this number, which
   * changes whenever they would (the demo: its incidents). The mirror may then send the bytes it
   * sent before for the same query (answer-cache.ts). Absent where an answer can change on its own:
   * a backend's data (Prometheus), a random stream (the tutorial).
   */
  answerGeneration?(): number;
  /**
   * Pass-through (the `upstream` kind): when present, the mirror plugin calls this with the request
   * body as StackState sent it, instead of the typed operation, and sends the answer as it came.
   */
  forward?(operation: Operation, requestBody: string, context: SourceContext): Promise<ForwardedAnswer>;
  /** The API key the source's own backend answers with (an upstream mirror's), once known. */
  learnedApiKey?(): string | null;
}

/**
 * A failure the mirror reports to StackState as one of the protocol's error objects.
 * `status` is the HTTP status the mirror sends with it (500 unless a source knows better).
 */
export class TelemetryError extends Error {
  constructor(
    readonly body: MirrorErrorBody,
    readonly status = 500,
  ) {
    super(
      body._type === 'RemoteMirrorError'
        ? body.summary
        : body._type === 'UnsupportedFieldTypeError'
          ? `unsupported field type ${body.mirrorType}`
          : body.details,
    );
    this.name = body._type;
  }
}

/** Shorthand for the most common error: a request the source cannot answer. */
export const remoteMirrorError = (summary: string, details?: unknown) =>
  new TelemetryError(remoteError(summary, details));

/** The protocol's word for "the store behind this mirror cannot be reached" (mirror-api.md §6). */
export const metricStoreConnectionError = (details: string) =>
  new TelemetryError({ _type: 'MetricStoreConnectionError', details });
