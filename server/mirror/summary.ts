// One readable line per request for the request log, e.g.
//   metric cpu.usage · host = a-host · MEAN per 1 min · last 24 h
//   field values of host starting "a-"
// It reads the body as the client sent it (possibly invalid), so every field is checked before use.
import { OPERATIONS, type Operation } from './protocol';

/** Within this distance of "now" a window counts as ending now ("last 24 h"). */
const NOW_TOLERANCE_MILLIS = 2 * 60_000;

export function summarizeRequest(
  operation: Operation | null,
  request: { method: string; url: string; body: unknown },
  now: number,
): string {
  // Field names and values come from the client: keep the log to one line whatever they contain.
  return describe(operation, request, now).replace(/\p{Cc}+/gu, ' ');
}

function describe(
  operation: Operation | null,
  request: { method: string; url: string; body: unknown },
  now: number,
): string {
  const query = field(request.body, 'query');
  if (operation !== null && operation !== 'connection' && !isObject(query)) {
    return `${OPERATIONS[operation].label.toLowerCase()} (no query)`;
  }
  switch (operation) {
    case 'connection':
      return 'Test Connection';
    case 'fieldNames':
      return join('field names', describeConditions(query), describeWindow(query, now));
    case 'fieldValues':
      return join(describeFieldValues(query), describeConditions(query), describeWindow(query, now));
    case 'metrics':
      return join(
        `metric ${text(field(query, 'metricField')) ?? '(no field)'}`,
        describeConditions(query),
        describeAggregation(field(query, 'aggregation')),
        describeWindow(query, now),
      );
    case null:
      return `${request.method} ${request.url}`;
  }
}

function describeFieldValues(query: unknown): string {
  const name = text(field(field(query, 'field'), 'fieldName')) ?? '?';
  const prefix = text(field(query, 'fieldValuePrefix'));
  return prefix ? `field values of ${name} starting ${JSON.stringify(prefix)}` : `field values of ${name}`;
}

function describeConditions(query: unknown): string | null {
  const conditions = field(query, 'conditions');
  if (!Array.isArray(conditions) || conditions.length === 0) return null;
  return conditions
    .map((condition) => {
      const key = text(field(condition, 'key')) ?? '?';
      const value = field(field(condition, 'value'), 'value');
      return Array.isArray(value)
        ? `${key} in (${value.map(valueText).join(', ')})`
        : `${key} = ${valueText(value)}`;
    })
    .join(', ');
}

/** A condition value as text. The body is the client's: an object (even one with a `toString` key) is shown as JSON. */
function valueText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}

function describeAggregation(aggregation: unknown): string {
  if (aggregation === undefined || aggregation === null) return 'raw';
  const method = text(field(aggregation, 'method')) ?? '?';
  const bucket = field(aggregation, 'bucketSizeMillis');
  return typeof bucket === 'number' ? `${method} per ${humanDuration(bucket)}` : method;
}

/** "last 24 h" when the window ends about now, else an absolute ISO range. */
export function describeWindow(query: unknown, now: number): string | null {
  const start = time(field(query, 'startTime'));
  const end = time(field(query, 'endTime'));
  if (start === null || end === null) return null;
  if (end >= start && Math.abs(now - end) <= NOW_TOLERANCE_MILLIS)
    return `last ${humanDuration(end - start)}`;
  return `${isoTime(start)} → ${isoTime(end)}`;
}

const UNITS: ReadonlyArray<{ name: string; millis: number; from: number }> = [
  // Days only from two days on: "24 h" and "36 h" read better than "1 d" and "1.5 d".
  { name: 'd', millis: 86_400_000, from: 2 * 86_400_000 },
  { name: 'h', millis: 3_600_000, from: 3_600_000 },
  { name: 'min', millis: 60_000, from: 60_000 },
  { name: 's', millis: 1000, from: 1000 },
];

/** 60000 → "1 min", 86400000 → "24 h", 2592000000 → "30 d", 90000 → "1.5 min", 250 → "250 ms". */
export function humanDuration(millis: number): string {
  const unit = UNITS.find(({ from }) => millis >= from);
  if (!unit) return `${Math.round(millis)} ms`;
  const amount = Math.round((millis / unit.millis) * 10) / 10;
  return `${amount} ${unit.name}`;
}

function isoTime(millis: number): string {
  return new Date(millis).toISOString().replace('.000Z', 'Z');
}

const join = (...parts: Array<string | null>) =>
  parts.filter((part) => part !== null && part !== '').join(' · ');

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null;

const field = (value: unknown, key: string): unknown => (isObject(value) ? value[key] : undefined);

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Epoch ms as the validator accepts them (a number, or a string of digits), within Date's range. */
function time(value: unknown): number | null {
  const millis = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof millis === 'number' && Number.isFinite(millis) && Math.abs(millis) <= 8.64e15 ? millis : null;
}
