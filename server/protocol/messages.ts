// The StackState mirror protocol (../shared/mirror-api.md) as TypeBox schemas.
//
// Requests are lenient: `_type` is optional, unknown keys are kept and ignored,
// optional query fields get the defaults the reference mirrors use. Responses are exact:
// they are built only through the types below, with the `_type` StackState expects.

import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { API_KEY_RULE, isApiKey } from './api-key';

/** The upper bound StackState itself sends for "no limit" (Int.MaxValue). */
export const INT_MAX = 2147483647;

const typeTag = <T extends string>(name: T) => Type.Optional(Type.Literal(name));

/** The latest time a JavaScript Date can hold (year 275760): beyond it no timestamp means anything. */
export const MAX_EPOCH_MILLIS = 8_640_000_000_000_000;

/**
 * Epoch milliseconds. JSON `1000.0` parses to an integer, `1000.5` does not. The maximum keeps
 * every time within the safe integer range (2^53), where arithmetic on it is still exact.
 */
const EpochMillis = Type.Integer({ minimum: 0, maximum: MAX_EPOCH_MILLIS });

/** A count (limit, offset): StackState sends Int.MaxValue for "no limit"; more is still no limit. */
const Count = (fallback: number) =>
  Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: fallback });

// ---------- conditions (§3.3) ----------

export const StringValue = Type.Object({ _type: Type.Literal('StringValue'), value: Type.String() });
export const DoubleValue = Type.Object({ _type: Type.Literal('DoubleValue'), value: Type.Number() });
export const BooleanValue = Type.Object({ _type: Type.Literal('BooleanValue'), value: Type.Boolean() });
export const InSetValue = Type.Object({
  _type: Type.Literal('InSetValue'),
  value: Type.Array(Type.String()),
});
/** S3 treats a value without `_type` as a StringValue; so do we. */
export const UntypedValue = Type.Object({ value: Type.String() });

export const ConditionValue = Type.Union([StringValue, DoubleValue, BooleanValue, InSetValue, UntypedValue]);
export type ConditionValue = Static<typeof ConditionValue>;

export const EqualityCondition = Type.Object({
  _type: typeTag('EqualityCondition'),
  key: Type.String(),
  value: ConditionValue,
});
export type EqualityCondition = Static<typeof EqualityCondition>;

const Conditions = Type.Array(EqualityCondition, { default: [] });

// ---------- field descriptors (§4.2) ----------

export const FIELD_TYPES = ['STRING', 'NUMBER', 'BOOLEAN'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** Inbound descriptors are lenient (the docs' own example says DOUBLE); outbound ones are exact. */
export const FieldDescriptorIn = Type.Object({
  _type: typeTag('FieldDescriptor'),
  fieldName: Type.String(),
  fieldType: Type.Optional(Type.String()),
  classified: Type.Optional(Type.Boolean()),
});
export type FieldDescriptorIn = Static<typeof FieldDescriptorIn>;

export interface FieldDescriptor {
  _type: 'FieldDescriptor';
  fieldName: string;
  fieldType: FieldType;
  classified: boolean;
}

// ---------- aggregation (§5) ----------

export const AGGREGATION_METHODS = [
  'MEAN',
  'PERCENTILE_25',
  'PERCENTILE_50',
  'PERCENTILE_75',
  'PERCENTILE_90',
  'PERCENTILE_95',
  'PERCENTILE_98',
  'PERCENTILE_99',
  'MAX',
  'MIN',
  'SUM',
  'EVENT_COUNT',
  'SUM_NO_ZEROS',
  'EVENT_COUNT_NO_ZEROS',
] as const;
export type AggregationMethod = (typeof AGGREGATION_METHODS)[number];

export const Aggregation = Type.Object({
  _type: typeTag('Aggregation'),
  method: Type.Union(AGGREGATION_METHODS.map((m) => Type.Literal(m))),
  bucketSizeMillis: Type.Integer({ minimum: 1, maximum: MAX_EPOCH_MILLIS }),
});
export type Aggregation = Static<typeof Aggregation>;

// ---------- requests (§3, §4, §9) ----------

/** Opaque to the mirror: whatever the user pasted into "Connection details JSON". */
export const ConnectionDetails = Type.Record(Type.String(), Type.Unknown());

export const TestConnectionRequest = Type.Object({
  _type: typeTag('TestConnectionRequest'),
  connectionDetails: Type.Optional(ConnectionDetails),
});
export type TestConnectionRequest = Static<typeof TestConnectionRequest>;

/** What every query has: its conditions, its window [startTime, endTime) and its limit. */
const queryBase = {
  conditions: Conditions,
  startTime: EpochMillis,
  endTime: EpochMillis,
  limit: Count(INT_MAX),
};

/** A request around its query, with the data source's connection details beside it. */
const requestOf = <Name extends string, Query extends TSchema>(name: Name, query: Query) =>
  Type.Object({ _type: typeTag(name), connectionDetails: Type.Optional(ConnectionDetails), query });

export const FieldNamesQuery = Type.Object({
  _type: typeTag('FieldNamesQuery'),
  ...queryBase,
  latestFirst: Type.Optional(Type.Boolean()),
});
export type FieldNamesQuery = Static<typeof FieldNamesQuery>;

export const FieldNamesRequest = requestOf('FieldNamesRequest', FieldNamesQuery);
export type FieldNamesRequest = Static<typeof FieldNamesRequest>;

export const FieldValuesQuery = Type.Object({
  _type: typeTag('FieldValuesQuery'),
  ...queryBase,
  field: FieldDescriptorIn,
  fieldValuePrefix: Type.String({ default: '' }),
  offset: Count(0),
  latestFirst: Type.Optional(Type.Boolean()),
});
export type FieldValuesQuery = Static<typeof FieldValuesQuery>;

export const FieldValuesRequest = requestOf('FieldValuesRequest', FieldValuesQuery);
export type FieldValuesRequest = Static<typeof FieldValuesRequest>;

export const MetricsQuery = Type.Object({
  _type: typeTag('MetricsQuery'),
  ...queryBase,
  metricField: Type.Optional(Type.String()),
  aggregation: Type.Optional(Type.Union([Aggregation, Type.Null()])),
});
export type MetricsQuery = Static<typeof MetricsQuery>;

export const MetricsRequest = requestOf('MetricsRequest', MetricsQuery);
export type MetricsRequest = Static<typeof MetricsRequest>;

// ---------- responses (exact) ----------

export interface TestConnectionResponse {
  _type: 'TestConnectionResponse';
  status: 'OK' | 'FAILURE';
  error?: MetricStoreConnectionError;
}

export interface FieldNamesResponse {
  _type: 'FieldNamesResponse';
  fields: FieldDescriptor[];
  isPartial: boolean;
}

export interface ValueDescriptor {
  _type: 'CompleteValue' | 'FieldValuePattern';
  value: string;
}

export interface FieldValuesResponse {
  _type: 'FieldValuesResponse';
  values: ValueDescriptor[];
  isPartial: boolean;
}

/** `[value, timestamp]`: value first, as both reference mirrors send it. */
export type RawPoint = [number, number];
/** `[value, startTimestamp, endTimestamp]`. */
export type AggregatedPoint = [number, number, number];

export interface RawMetricTelemetry {
  _type: 'RawMetricTelemetry';
  dataFormat: ['value', 'timestamp'];
  points: RawPoint[];
  isPartial: boolean;
}

export interface AggregatedMetricTelemetry {
  _type: 'AggregatedMetricTelemetry';
  dataFormat: ['value', 'startTimestamp', 'endTimestamp'];
  points: AggregatedPoint[];
  isPartial: boolean;
}

export interface MetricsResponse {
  _type: 'MetricsResponse';
  telemetry: RawMetricTelemetry | AggregatedMetricTelemetry;
}

// ---------- errors (§6) ----------

export interface MetricStoreConnectionError {
  _type: 'MetricStoreConnectionError';
  details: string;
}
export interface MetricNotFoundError {
  _type: 'MetricNotFoundError';
  metric: string;
  details: string;
}
export interface UnsupportedFieldTypeError {
  _type: 'UnsupportedFieldTypeError';
  mirrorType: string;
}
export interface RemoteMirrorError {
  _type: 'RemoteMirrorError';
  summary: string;
  details?: unknown;
}
/** The protocol's general error object; `details` only when there are some. */
export const remoteError = (summary: string, details?: unknown): RemoteMirrorError => ({
  _type: 'RemoteMirrorError',
  summary,
  ...(details === undefined ? {} : { details }),
});

export type MirrorErrorBody =
  | MetricStoreConnectionError
  | MetricNotFoundError
  | UnsupportedFieldTypeError
  | RemoteMirrorError;

/** The four operations, named as the request log and the UI name them. */
export const OPERATIONS = {
  connection: { path: '/api/connection', label: 'Test Connection' },
  fieldNames: { path: '/api/field/name', label: 'Field names' },
  fieldValues: { path: '/api/field/value', label: 'Field values' },
  metrics: { path: '/api/metric', label: 'Metric values' },
} as const;
export type Operation = keyof typeof OPERATIONS;

/** The header that identifies this mirror to StackState (§2). Sent on every response. */
export const API_KEY_HEADER = 'X-MIRROR-API-KEY';

/**
 * Why `value` cannot be an API key, or null: 1 to 200 printable ASCII characters, no spaces. The
 * one rule for a typed key (settings) and one learned from an upstream mirror's answers.
 */
export function apiKeyProblem(value: unknown): string | null {
  return isApiKey(value) ? null : `must be ${API_KEY_RULE}`;
}

/** The Content-Type of every JSON answer the mirror sends (fastify's own for a serialised object). */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';
