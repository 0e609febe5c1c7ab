// The protocol's answers (mirror-api.md §4, §6, §9) as TypeBox schemas, for grading what a foreign
// mirror sends: `npm run check` and the `upstream` source validate every body against these before
// reading a field of it. Our own answers are typed by the interfaces in messages.ts; these schemas
// say the same thing at run time. Unknown extra keys are allowed (S3 sends `"error": null`).
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AGGREGATION_METHODS, FIELD_TYPES } from './messages';

/** JSON numbers: JSON.parse turns `1e999` into Infinity, which no chart can draw. */
const Finite = Type.Number();
const Millis = Type.Integer({ minimum: 0 });

export const MetricStoreConnectionErrorSchema = Type.Object({
  _type: Type.Literal('MetricStoreConnectionError'),
  details: Type.String(),
});
export const MetricNotFoundErrorSchema = Type.Object({
  _type: Type.Literal('MetricNotFoundError'),
  metric: Type.String(),
  details: Type.Unknown(),
});
export const UnsupportedFieldTypeErrorSchema = Type.Object({
  _type: Type.Literal('UnsupportedFieldTypeError'),
  mirrorType: Type.String(),
});
export const RemoteMirrorErrorSchema = Type.Object({
  _type: Type.Literal('RemoteMirrorError'),
  summary: Type.String(),
  details: Type.Optional(Type.Unknown()),
});
export const ErrorBodySchema = Type.Union([
  MetricStoreConnectionErrorSchema,
  MetricNotFoundErrorSchema,
  UnsupportedFieldTypeErrorSchema,
  RemoteMirrorErrorSchema,
]);
export type ErrorBodyAnswer = Static<typeof ErrorBodySchema>;

export const TestConnectionResponseSchema = Type.Object({
  _type: Type.Literal('TestConnectionResponse'),
  status: Type.Union([Type.Literal('OK'), Type.Literal('FAILURE')]),
  error: Type.Optional(Type.Union([MetricStoreConnectionErrorSchema, Type.Null()])),
});

export const FieldDescriptorSchema = Type.Object({
  _type: Type.Literal('FieldDescriptor'),
  fieldName: Type.String(),
  fieldType: Type.Union(FIELD_TYPES.map((t) => Type.Literal(t))),
  classified: Type.Boolean(),
});
export const FieldNamesResponseSchema = Type.Object({
  _type: Type.Literal('FieldNamesResponse'),
  fields: Type.Array(FieldDescriptorSchema),
  isPartial: Type.Boolean(),
});
export type FieldNamesAnswer = Static<typeof FieldNamesResponseSchema>;

export const ValueDescriptorSchema = Type.Object({
  _type: Type.Union([Type.Literal('CompleteValue'), Type.Literal('FieldValuePattern')]),
  value: Type.String(),
});
export const FieldValuesResponseSchema = Type.Object({
  _type: Type.Literal('FieldValuesResponse'),
  values: Type.Array(ValueDescriptorSchema),
  isPartial: Type.Boolean(),
});
export type FieldValuesAnswer = Static<typeof FieldValuesResponseSchema>;

export const RawTelemetrySchema = Type.Object({
  _type: Type.Literal('RawMetricTelemetry'),
  dataFormat: Type.Tuple([Type.Literal('value'), Type.Literal('timestamp')]),
  points: Type.Array(Type.Tuple([Finite, Millis])),
  isPartial: Type.Boolean(),
});
export const AggregatedTelemetrySchema = Type.Object({
  _type: Type.Literal('AggregatedMetricTelemetry'),
  dataFormat: Type.Tuple([
    Type.Literal('value'),
    Type.Literal('startTimestamp'),
    Type.Literal('endTimestamp'),
  ]),
  points: Type.Array(Type.Tuple([Finite, Millis, Millis])),
  isPartial: Type.Boolean(),
});
export const MetricsResponseSchema = Type.Object({
  _type: Type.Literal('MetricsResponse'),
  telemetry: Type.Union([RawTelemetrySchema, AggregatedTelemetrySchema]),
});
export type MetricsAnswer = Static<typeof MetricsResponseSchema>;

/** The parts of a request the rules read, checked before they read them (the rest is ignored). */
export const GradedRequestSchema = Type.Object({
  query: Type.Optional(
    Type.Object({
      startTime: Type.Optional(Type.Number()),
      endTime: Type.Optional(Type.Number()),
      limit: Type.Optional(Type.Number()),
      offset: Type.Optional(Type.Number()),
      fieldValuePrefix: Type.Optional(Type.String()),
      aggregation: Type.Optional(
        Type.Union([
          Type.Object({
            method: Type.Union(AGGREGATION_METHODS.map((m) => Type.Literal(m))),
            bucketSizeMillis: Type.Number(),
          }),
          Type.Null(),
        ]),
      ),
    }),
  ),
});
export type GradedRequest = Static<typeof GradedRequestSchema>;

const compile = <T extends TSchema>(schema: T) => TypeCompiler.Compile(schema);

/** Compiled once: a check per body is then a plain function call. */
export const Answers = {
  error: compile(ErrorBodySchema),
  connection: compile(TestConnectionResponseSchema),
  fieldNames: compile(FieldNamesResponseSchema),
  fieldValues: compile(FieldValuesResponseSchema),
  metrics: compile(MetricsResponseSchema),
  request: compile(GradedRequestSchema),
} as const;

/** The first thing wrong with `value` against a compiled schema, as `path: message`, or null. */
export function firstSchemaError(
  check: { Errors(value: unknown): Iterable<{ path: string; message: string }> },
  value: unknown,
): string | null {
  for (const error of check.Errors(value)) return `${error.path || '/'}: ${error.message}`;
  return null;
}
