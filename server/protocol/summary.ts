// One readable line per request for the request log, e.g.
//   metric cpu.usage · host = a-host · MEAN per 1 min · last 24 h
//   field values of host starting "a-"
// It reads the body as the client sent it (possibly invalid), so every field is checked before use.
import { clip } from '../clip';
import { OPERATIONS, type Operation } from './messages';

/** Within this distance of "now" a window counts as ending now ("last 24 h"). */
const NOW_TOLERANCE_MILLIS = 2 * 60_000;

export function summarizeRequest(
  operation: Operation | null,
  request: { method: string; url: string; body: unknown },
  now: number,
): string {
  // Field names and values come from the client: keep the log to one line whatever they contain.
  return oneLine(describe(operation, request, now));
}

/** Built once: a regular expression literal in a function is a new object on every call. */
const CONTROL_CHARACTERS = /\p{Cc}+/gu;

/** `text` on one line: every run of control characters (newlines, tabs, escapes) becomes a space. */
export function oneLine(text: string): string {
  return text.replace(CONTROL_CHARACTERS, ' ');
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
        `metric ${short(text(field(query, 'metricField')) ?? '(no field)')}`,
        describeConditions(query),
        describeAggregation(field(query, 'aggregation')),
        describeWindow(query, now),
      );
    case null:
      return `${short(request.method)} ${clip(request.url, 2 * SHOWN.chars)}`;
  }
}

function describeFieldValues(query: unknown): string {
  const name = short(text(field(field(query, 'field'), 'fieldName')) ?? '?');
  const prefix = text(field(query, 'fieldValuePrefix'));
  return prefix
    ? `field values of ${name} starting ${JSON.stringify(short(prefix))}`
    : `field values of ${name}`;
}

/** A summary shows this much of what the client sent; the log keeps the whole body (cut at 4 KiB) for the rest. */
const SHOWN = { conditions: 8, setItems: 5, chars: 60 } as const;

function describeConditions(query: unknown): string | null {
  const conditions = field(query, 'conditions');
  if (!Array.isArray(conditions) || conditions.length === 0) return null;
  const shown = conditions.slice(0, SHOWN.conditions).map((condition) => {
    const key = short(text(field(condition, 'key')) ?? '?');
    const value = field(field(condition, 'value'), 'value');
    return Array.isArray(value)
      ? `${key} in (${value.slice(0, SHOWN.setItems).map(valueText).join(', ')}${more(value.length, SHOWN.setItems)})`
      : `${key} = ${valueText(value)}`;
  });
  return `${shown.join(', ')}${more(conditions.length, SHOWN.conditions)}`;
}

/** ", +N more" when a list was longer than what is shown. */
const more = (length: number, shown: number) => (length > shown ? `, +${length - shown} more` : '');

const short = (value: string) => clip(value, SHOWN.chars);

/** A condition value as text. The body is the client's: an object (even one with a `toString` key) is shown as JSON. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return short(value);
  if (typeof value !== 'object' || value === null) return short(String(value));
  // The parser's depth limit (json-limits.ts) keeps this stringify shallow; its length is cut after.
  return short(JSON.stringify(value));
}

function describeAggregation(aggregation: unknown): string {
  if (aggregation === undefined || aggregation === null) return 'raw';
  const method = short(text(field(aggregation, 'method')) ?? '?');
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
