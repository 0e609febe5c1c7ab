// Request bodies of the control API's actions, checked before they reach the session.
// Field-level rules for settings live with the settings schema (checkSetting); these check shapes.
import { Type } from '@sinclair/typebox';

export const CleanupOptionsSchema = Type.Object(
  { forgetAuthtoken: Type.Optional(Type.Boolean()), forgetSettings: Type.Optional(Type.Boolean()) },
  { additionalProperties: false },
);

/** The data source as the Settings form has it (the registry checks kind and options). */
const DataSourceSchema = Type.Object(
  { kind: Type.String({ maxLength: 100 }) },
  { additionalProperties: Type.String({ maxLength: 2000 }), maxProperties: 20 },
);

export const SettingsPatchSchema = Type.Object(
  {
    mirrorPort: Type.Optional(Type.Integer()),
    // Bounded here as well as by the settings' own rule, which names it in its refusal.
    apiKey: Type.Optional(Type.String({ maxLength: 1000 })),
    mirrorHost: Type.Optional(Type.String()),
    // Its kind and options are checked by the registry (checkDataSource), as the settings file's are.
    dataSource: Type.Optional(DataSourceSchema),
    requestTimeoutSeconds: Type.Optional(Type.Integer()),
    tunnel: Type.Optional(Type.String()),
    ngrokAuthtoken: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    ngrokDomain: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    allowCidrs: Type.Optional(Type.Array(Type.String())),
  },
  { additionalProperties: false },
);

export const DataSourceTestSchema = Type.Object(
  { dataSource: DataSourceSchema },
  { additionalProperties: false },
);

export const CheckMirrorRequestSchema = Type.Object(
  {
    url: Type.String({ maxLength: 2000 }),
    apiKey: Type.Optional(Type.String({ maxLength: 500 })),
    connectionDetails: Type.Optional(Type.String({ maxLength: 20_000 })),
  },
  { additionalProperties: false },
);

export const IncidentRequestSchema = Type.Object(
  {
    series: Type.Record(Type.String({ maxLength: 200 }), Type.String({ maxLength: 200 }), {
      maxProperties: 10,
    }),
    metric: Type.String({ maxLength: 200 }),
    durationMinutes: Type.Number({ exclusiveMinimum: 0, maximum: 1440 }),
    factor: Type.Optional(Type.Number({ minimum: 0.1, maximum: 100 })),
  },
  { additionalProperties: false },
);
