// Request-body validation for the mirror routes, with TypeBox's own compiler (the schemas in
// messages.ts are TypeBox 0.34; fastify's default ajv would coerce `null` to 0 and `true` to 1).
//
// What is lenient and what is not:
// - defaults from the schema are filled in (conditions [], limit Int.MaxValue, offset 0 …);
// - an integer sent as a string of decimal digits ("1000") is accepted as that integer;
// - everything else must already have the right JSON type: 1000.5, "1000.5", null, true fail.
import { Kind, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { type ValueError, type ValueErrorIterator, ValueErrorType } from '@sinclair/typebox/errors';
import { clip } from '../clip';
import { prettyJsonPrefix } from '../pretty-json';

/** A body checked against a schema: the prepared value, or what is wrong with it, one line a problem. */
export type BodyCheck = (body: unknown) => { value: unknown } | { problems: string[] };

export function compileBodyCheck(schema: TSchema): BodyCheck {
  const check = TypeCompiler.Compile(schema);
  return (body) => {
    // prepare copies what it changes: the exchange log keeps the body exactly as the client sent it.
    const value = prepare(schema, body);
    if (check.Check(value)) return { value };
    return { problems: describeValueErrors(check.Errors(value)) };
  };
}

const DECIMAL_DIGITS = /^\s*-?\d+\s*$/;

/**
 * Fills in the schema's defaults where a key is absent, and turns "1000" into 1000 wherever the
 * schema wants an integer. Returns a new value and leaves `value` as it was: every object and array
 * the schema describes is copied (cheaper than a structuredClone of the whole body on every
 * request); what the schema leaves open, such as `connectionDetails`' contents, is shared. (Not
 * TypeBox's Value.Default: it merges an object sent where the default is an array into that array,
 * so `"conditions": {…}` would pass as no conditions at all.)
 */
export function prepare(schema: TSchema, value: unknown): unknown {
  switch (schema[Kind]) {
    case 'Integer':
      return typeof value === 'string' && DECIMAL_DIGITS.test(value) ? Number(value) : value;
    case 'Object': {
      if (!isRecord(value)) return value;
      // A spread copies own keys as data properties (parseJsonSafely has already dropped `__proto__`).
      const copy: Record<string, unknown> = { ...value };
      const properties: Record<string, TSchema> = schema.properties;
      for (const key in properties) {
        const property = properties[key]!;
        if (Object.hasOwn(copy, key)) copy[key] = prepare(property, copy[key]);
        else if ('default' in property) copy[key] = structuredClone(property.default);
      }
      return copy;
    }
    case 'Array':
      // Array.from, not value.map: a body can give an array its own `constructor` key, which map would call.
      return Array.isArray(value) ? Array.from(value, (item) => prepare(schema.items, item)) : value;
    case 'Union': {
      // The protocol's unions never disagree on whether a key is an integer, so every variant may coerce.
      const variants: TSchema[] = schema.anyOf;
      return variants.reduce((current, variant) => prepare(variant, current), value);
    }
    default:
      return value;
  }
}

/**
 * One plain line per offending field, e.g. `query.startTime: must be an integer (got 1000.5)`.
 * Union failures are reported through the variant the value most likely meant, not as "Expected union value".
 */
export function describeValueErrors(errors: Iterable<ValueError>): string[] {
  const lines: string[] = [];
  const seen = new Set<string>();
  let more = 0;
  for (const error of flattenUnions(errors)) {
    // A missing required key yields both "required" and a type error at the same path: keep the first.
    if (seen.has(error.path)) continue;
    seen.add(error.path);
    // A body can hold thousands of wrong items: name the first few, count the rest (bounded work too).
    if (lines.length === MAX_ERROR_LINES) {
      if (++more >= MAX_ERRORS_COUNTED) break;
      continue;
    }
    lines.push(`${clip(fieldName(error.path), 120)}: ${plainMessage(error)}`);
  }
  if (more > 0) lines.push(`… and ${more >= MAX_ERRORS_COUNTED ? 'many' : more} more`);
  return lines;
}

const MAX_ERROR_LINES = 20;
const MAX_ERRORS_COUNTED = 10_000;

function* flattenUnions(errors: Iterable<ValueError>): Generator<ValueError> {
  for (const error of errors) {
    if (error.type !== ValueErrorType.Union || isLiteralUnion(error.schema)) {
      yield error;
      continue;
    }
    yield* flattenUnions(closestVariant(error.path, error.errors));
  }
}

/** The variant whose errors look least like "this is another type altogether". */
function closestVariant(path: string, variants: ValueErrorIterator[]): ValueError[] {
  const candidates = variants.map((variant) => [...variant]);
  const score = (errors: ValueError[]) =>
    errors.reduce(
      (total, error) =>
        // Failing at the union's own path means the value is not even this kind of thing; a wrong
        // `_type` discriminator means it is another variant.
        total + (error.path === path ? 100 : error.path.endsWith('/_type') ? 10 : 1),
      0,
    );
  let best = candidates[0] ?? [];
  for (const candidate of candidates) if (score(candidate) < score(best)) best = candidate;
  return best;
}

function isLiteralUnion(schema: TSchema): boolean {
  return Array.isArray(schema.anyOf) && schema.anyOf.every((variant: TSchema) => variant[Kind] === 'Literal');
}

/** `/query/conditions/0/key` → `query.conditions[0].key`; the root is `body`. */
export function fieldName(path: string): string {
  if (path === '') return 'body';
  return path
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce(
      (name, segment) =>
        /^\d+$/.test(segment) ? `${name}[${segment}]` : name ? `${name}.${segment}` : segment,
      '',
    );
}

function plainMessage(error: ValueError): string {
  const { schema } = error;
  const got = error.value === undefined ? '' : ` (got ${preview(error.value)})`;
  switch (error.type) {
    case ValueErrorType.ObjectRequiredProperty:
      return 'is required';
    case ValueErrorType.Integer:
      return `must be an integer${got}`;
    case ValueErrorType.Number:
      return `must be a number${got}`;
    case ValueErrorType.String:
      return `must be a string${got}`;
    case ValueErrorType.Boolean:
      return `must be true or false${got}`;
    case ValueErrorType.Object:
      return `must be a JSON object${got}`;
    case ValueErrorType.Array:
      return `must be an array${got}`;
    case ValueErrorType.Null:
      return `must be null${got}`;
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `must be at least ${schema.minimum}${got}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `must be at most ${schema.maximum}${got}`;
    case ValueErrorType.Literal:
      return `must be ${JSON.stringify(schema.const)}${got}`;
    case ValueErrorType.Union:
      return `must be one of ${schema.anyOf.map((variant: TSchema) => variant.const).join(', ')}${got}`;
    default:
      return `${error.message}${got}`;
  }
}

function preview(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return 'a number too large to hold';
  const { text, truncated } = prettyJsonPrefix(value, 60);
  const line = text.replace(/\s*\n\s*/g, ' ');
  return truncated || line.length > 60 ? `${line.slice(0, 57)}…` : line;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
