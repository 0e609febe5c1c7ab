// The protocol rules that grade one answer from a mirror (mirror-api.md), shared by `npm run check`
// (server/cli/check.ts), which grades any mirror, and the `upstream` source, which grades every answer
// it passes through and notes what broke on the log entry. A rule reads a body only after the body
// passed its schema (response-schemas.ts): nothing from a foreign mirror is trusted unchecked.
import { API_KEY_HEADER, type Operation } from './messages';
import {
  Answers,
  type ErrorBodyAnswer,
  type FieldNamesAnswer,
  type FieldValuesAnswer,
  firstSchemaError,
  type GradedRequest,
  type MetricsAnswer,
} from './response-schemas';

export type RuleId =
  | 'answered'
  | 'in-time'
  | 'key-header'
  | 'error-object'
  | 'schema'
  | 'test-connection'
  | 'telemetry-kind'
  | 'buckets'
  | 'in-window'
  | 'sorted'
  | 'limit'
  | 'is-partial'
  | 'prefix'
  | 'offset'
  | 'method-support';

export interface Rule {
  readonly title: string;
  /** What the protocol asks, with its section. */
  readonly asks: string;
  /** Why StackState cares. */
  readonly why: string;
}

export const RULES: Readonly<Record<RuleId, Rule>> = {
  answered: {
    title: 'Every request gets an answer',
    asks: 'an HTTP answer to every POST, never a reset or an empty reply (§12.4)',
    why: 'StackState shows a dropped connection as a failed data source',
  },
  'in-time': {
    title: 'Answers arrive in time',
    asks: 'UI calls answered within 15 s, the default "Request timeout ui" (§8, §14)',
    why: 'the Stream Wizard and Test Connection give up after the time-out',
  },
  'key-header': {
    title: 'X-MIRROR-API-KEY on every answer',
    asks: 'the key header on every response, errors included, equal to the configured Api Key (§2)',
    why: 'StackState compares it with the Api Key of the data source and rejects an answer without it',
  },
  'error-object': {
    title: 'Errors are protocol error objects',
    asks: 'a non-2xx answer carries a JSON RemoteMirrorError, MetricNotFoundError, MetricStoreConnectionError or UnsupportedFieldTypeError (§6)',
    why: 'StackState shows the error object to the user; an HTML page or an empty reply says nothing',
  },
  schema: {
    title: 'Answers match the protocol schema',
    asks: 'the response object of the operation with its _type, fields and types (§4, §9)',
    why: 'StackState parses the answer by these names and types; anything else fails to parse',
  },
  'test-connection': {
    title: 'Test Connection answers OK',
    asks: '{"_type":"TestConnectionResponse","status":"OK"} (§4.1)',
    why: 'the TEST CONNECTION button of the data source form reports this status',
  },
  'telemetry-kind': {
    title: 'Raw and aggregated queries get their telemetry kind',
    asks: 'RawMetricTelemetry without aggregation, AggregatedMetricTelemetry with it (§4.4)',
    why: 'StackState reads the points by the dataFormat of the kind it asked for',
  },
  buckets: {
    title: 'Buckets match bucketSizeMillis',
    asks: 'tumbling buckets of exactly bucketSizeMillis; only a bucket cut by the window may be shorter (§4.4)',
    why: 'StackState picks the bucket size for the chart resolution and the monitors it runs',
  },
  'in-window': {
    title: 'Points lie within the window',
    asks: 'raw timestamps and bucket bounds within [startTime, endTime] (§3.4)',
    why: 'points outside the window are drawn off the chart or counted twice across polls',
  },
  sorted: {
    title: 'Points are sorted by time',
    asks: 'points oldest first; a follow-up after isPartial starts at the last point (§4.4)',
    why: 'StackState draws lines and continues partial answers from the last point',
  },
  limit: {
    title: 'limit is honoured',
    asks: 'at most `limit` fields, values or points (§3.5)',
    why: 'StackState bounds what it reads per poll with limit',
  },
  'is-partial': {
    title: 'isPartial says when an answer was cut',
    asks: 'isPartial true when limit (or the backend) cut the list, false otherwise (§3.5, §4.4)',
    why: 'StackState asks for the rest only when isPartial is true',
  },
  prefix: {
    title: 'fieldValuePrefix is applied',
    asks: 'only values that start with the typed prefix (§3.6)',
    why: 'the value box of the Stream Wizard narrows the list as the user types',
  },
  offset: {
    title: 'offset pages through field values',
    asks: 'values from position `offset` of the list (§3.6)',
    why: 'StackState pages through long value lists with offset',
  },
  'method-support': {
    title: 'Every aggregation method is served',
    asks: 'the 14 methods of §5; a method the mirror cannot do is a RemoteMirrorError [INF]',
    why: 'the Stream Wizard offers all 14 methods in its "by" box',
  },
};

export type VerdictStatus = 'pass' | 'fail' | 'warn';

export interface Verdict {
  rule: RuleId;
  status: VerdictStatus;
  /** What came back, in one line (never longer than a few hundred characters). */
  got: string;
}

/** One answer as it came off the wire. */
export interface RawAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/** What an answer turned out to be, after its schema: exactly one of these is set for a 2xx JSON answer. */
export type ParsedAnswer =
  | { kind: 'connection'; status: 'OK' | 'FAILURE'; details: string | null }
  | { kind: 'fieldNames'; body: FieldNamesAnswer }
  | { kind: 'fieldValues'; body: FieldValuesAnswer }
  | { kind: 'metrics'; body: MetricsAnswer }
  | { kind: 'error'; body: ErrorBodyAnswer }
  | { kind: 'unreadable' };

export interface Graded {
  verdicts: Verdict[];
  parsed: ParsedAnswer;
  /** The key header as sent, or null. */
  key: string | null;
  /** The answer's body as JSON, or its text when it is not JSON (parsed once, here, for the log too). */
  body: unknown;
}

const SNIPPET_CHARS = 80;

/** The start of a body, printable, for a message: `<html><head>…`. */
export function snippet(body: Buffer): string {
  if (body.length === 0) return 'an empty body';
  const text = body
    .subarray(0, SNIPPET_CHARS * 4)
    .toString('utf8')
    .replace(/\s+/g, ' ');
  return JSON.stringify(text.length > SNIPPET_CHARS ? `${text.slice(0, SNIPPET_CHARS)}…` : text);
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) };
  } catch {
    return { ok: false };
  }
}

/** The parts of the request the rules need, or an empty query when the request is not readable. */
export function gradedRequest(request: unknown): NonNullable<GradedRequest['query']> {
  return Answers.request.Check(request) ? (request.query ?? {}) : {};
}

/**
 * Grades one answer to `operation`. `expectedKey` is the Api Key the user configured (null: any
 * key is accepted, but one must be there).
 */
export function gradeAnswer(
  operation: Operation,
  request: unknown,
  answer: RawAnswer,
  expectedKey: string | null,
): Graded {
  const verdicts: Verdict[] = [];
  const add = (rule: RuleId, status: VerdictStatus, got: string) => verdicts.push({ rule, status, got });
  const key = answer.headers.get(API_KEY_HEADER);
  if (key === null) add('key-header', 'fail', `HTTP ${answer.status} without an ${API_KEY_HEADER} header`);
  else if (expectedKey !== null && key !== expectedKey)
    add(
      'key-header',
      'fail',
      `${API_KEY_HEADER}: ${JSON.stringify(key)}, not the expected ${JSON.stringify(expectedKey)}`,
    );
  else add('key-header', 'pass', `${API_KEY_HEADER}: ${JSON.stringify(key)}`);

  const json = parseJson(answer.body);
  const parsed = parseAnswer(operation, answer, json, add);
  const query = gradedRequest(request);
  if (parsed.kind === 'connection') {
    if (parsed.status === 'OK') add('test-connection', 'pass', 'status OK');
    else add('test-connection', 'fail', `status FAILURE: ${parsed.details ?? 'no details'}`);
  } else if (parsed.kind === 'fieldNames') {
    gradeCount(query, parsed.body.fields.length, 'fields', add);
  } else if (parsed.kind === 'fieldValues') {
    gradeCount(query, parsed.body.values.length, 'values', add);
    gradePrefix(query.fieldValuePrefix ?? '', parsed.body, add);
  } else if (parsed.kind === 'metrics') {
    gradeMetrics(query, parsed.body, add);
    if (query.aggregation) add('method-support', 'pass', `${query.aggregation.method} served`);
  } else if (
    parsed.kind === 'error' &&
    operation === 'metrics' &&
    query.aggregation &&
    parsed.body._type !== 'MetricNotFoundError' // a missing series says nothing about the method
  ) {
    add('method-support', 'warn', `${query.aggregation.method} answered ${describeError(parsed.body)}`);
  }
  return { verdicts, parsed, key, body: json.ok ? json.value : answer.body.toString('utf8') };
}

type Add = (rule: RuleId, status: VerdictStatus, got: string) => void;

function parseAnswer(
  operation: Operation,
  answer: RawAnswer,
  json: ReturnType<typeof parseJson>,
  add: Add,
): ParsedAnswer {
  const ok = answer.status >= 200 && answer.status < 300;
  if (json.ok && Answers.error.Check(json.value)) {
    if (ok)
      add(
        'error-object',
        'warn',
        `${describeError(json.value)} with HTTP ${answer.status}, not an error status [INF]`,
      );
    else add('error-object', 'pass', `HTTP ${answer.status} ${describeError(json.value)}`);
    return { kind: 'error', body: json.value };
  }
  // A failed Test Connection is a TestConnectionResponse with an error status (S3 sends the backend's).
  if (operation === 'connection' && json.ok && Answers.connection.Check(json.value)) {
    add('schema', 'pass', 'TestConnectionResponse');
    return { kind: 'connection', status: json.value.status, details: json.value.error?.details ?? null };
  }
  if (!ok) {
    const type = answer.headers.get('content-type') ?? 'no Content-Type';
    add('error-object', 'fail', `HTTP ${answer.status} (${type}) with ${snippet(answer.body)}`);
    return { kind: 'unreadable' };
  }
  if (!json.ok) {
    add('schema', 'fail', `HTTP ${answer.status} with ${snippet(answer.body)}, which is not JSON`);
    return { kind: 'unreadable' };
  }
  const check =
    operation === 'connection'
      ? Answers.connection
      : operation === 'fieldNames'
        ? Answers.fieldNames
        : operation === 'fieldValues'
          ? Answers.fieldValues
          : Answers.metrics;
  const problem = firstSchemaError(check, json.value);
  if (problem !== null) {
    add('schema', 'fail', `not a valid ${RESPONSE_NAMES[operation]}: ${problem.slice(0, 200)}`);
    return { kind: 'unreadable' };
  }
  add('schema', 'pass', RESPONSE_NAMES[operation]);
  if (Answers.fieldNames.Check(json.value)) return { kind: 'fieldNames', body: json.value };
  if (Answers.fieldValues.Check(json.value)) return { kind: 'fieldValues', body: json.value };
  if (Answers.metrics.Check(json.value)) return { kind: 'metrics', body: json.value };
  return { kind: 'unreadable' };
}

const RESPONSE_NAMES: Record<Operation, string> = {
  connection: 'TestConnectionResponse',
  fieldNames: 'FieldNamesResponse',
  fieldValues: 'FieldValuesResponse',
  metrics: 'MetricsResponse',
};

export function describeError(body: ErrorBodyAnswer): string {
  const text =
    body._type === 'RemoteMirrorError'
      ? body.summary
      : body._type === 'UnsupportedFieldTypeError'
        ? body.mirrorType
        : body._type === 'MetricNotFoundError'
          ? body.metric
          : body.details;
  return `${body._type} (${text.slice(0, 120)})`;
}

type Query = ReturnType<typeof gradedRequest>;

function gradeCount(query: Query, count: number, what: string, add: Add): void {
  if (query.limit === undefined) return;
  if (count > query.limit) add('limit', 'fail', `${count} ${what} for limit ${query.limit}`);
  else add('limit', 'pass', `${count} ${what} for limit ${query.limit}`);
}

/** A complete value must start with the prefix; a pattern (`cpu.*`) must agree with it as far as both go. */
function gradePrefix(prefix: string, body: FieldValuesAnswer, add: Add): void {
  if (prefix === '') return;
  const stray = body.values.find(({ _type, value }) => {
    if (_type === 'CompleteValue') return !value.startsWith(prefix);
    const fixed = value.replace(/\*.*$/, '');
    return !(fixed.startsWith(prefix) || prefix.startsWith(fixed));
  });
  if (stray) add('prefix', 'fail', `${JSON.stringify(stray.value)} for prefix ${JSON.stringify(prefix)}`);
  else add('prefix', 'pass', `${body.values.length} values, all starting with ${JSON.stringify(prefix)}`);
}

function gradeMetrics(query: Query, body: MetricsAnswer, add: Add): void {
  const { telemetry } = body;
  const aggregation = query.aggregation ?? null;
  const wanted = aggregation ? 'AggregatedMetricTelemetry' : 'RawMetricTelemetry';
  if (telemetry._type !== wanted) {
    add('telemetry-kind', 'fail', `${telemetry._type} for a ${aggregation ? 'n aggregated' : ' raw'} query`);
    return;
  }
  add('telemetry-kind', 'pass', telemetry._type);
  gradeCount(query, telemetry.points.length, 'points', add);
  // [start, end] per point: a raw point is an instant.
  const spans = telemetry.points.map((p) => [p[1], p.length === 3 ? p[2] : p[1]] as const);
  const { startTime, endTime } = query;
  if (startTime !== undefined && endTime !== undefined) {
    const outside = spans.findIndex(([s, e]) => s < startTime || e > endTime || e < s);
    if (outside >= 0)
      add(
        'in-window',
        'fail',
        `point ${outside} at ${spans[outside]!.join('–')} outside [${startTime}, ${endTime}]`,
      );
    else if (spans.length > 0) add('in-window', 'pass', `${spans.length} points within the window`);
  }
  gradeOrder(spans, add);
  if (aggregation && startTime !== undefined && endTime !== undefined)
    gradeBuckets(spans, aggregation.bucketSizeMillis, startTime, endTime, add);
}

function gradeOrder(spans: readonly (readonly [number, number])[], add: Add): void {
  if (spans.length < 2) return;
  let ascending = true;
  let descending = true;
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1]) ascending = false;
    if (spans[i]![1] > spans[i - 1]![0]) descending = false;
  }
  if (ascending) add('sorted', 'pass', `${spans.length} points oldest first`);
  else if (descending)
    add(
      'sorted',
      'warn',
      `${spans.length} points newest first [INF: both reference mirrors send oldest first]`,
    );
  else {
    const at = spans.findIndex((s, i) => i > 0 && s[0] < spans[i - 1]![1]);
    add(
      'sorted',
      'fail',
      `point ${at} (${spans[at]![0]}) comes after point ${at - 1} (${spans[at - 1]![0]})`,
    );
  }
}

function gradeBuckets(
  spans: readonly (readonly [number, number])[],
  size: number,
  startTime: number,
  endTime: number,
  add: Add,
): void {
  if (spans.length === 0) return;
  const wrong = spans.findIndex(([s, e]) => {
    const width = e - s;
    if (width === size) return false;
    // Only a bucket cut by the window may be shorter.
    return !(width > 0 && width < size && (e === endTime || s === startTime));
  });
  if (wrong >= 0) {
    const [s, e] = spans[wrong]!;
    add('buckets', 'fail', `bucket ${wrong} spans ${e - s} ms (${s}–${e}) for bucketSizeMillis ${size}`);
  } else add('buckets', 'pass', `${spans.length} buckets of ${size} ms`);
}
