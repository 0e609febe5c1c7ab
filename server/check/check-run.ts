// `npm run check`'s conversation with a mirror: the requests StackState would send (Test Connection,
// field names, field values with a prefix, a limit and an offset, raw and aggregated metrics with each
// of the 14 methods, conditions of each value type, bad input it can send), each answer graded by the
// protocol's rules (server/protocol/rules.ts), plus the rules that compare two answers (isPartial, offset).
import { AGGREGATION_METHODS, INT_MAX, OPERATIONS, type Operation } from '../protocol/messages';
import { type Graded, gradeAnswer, type RawAnswer, type Verdict } from '../protocol/rules';
import { BackendUnreached, callBackend } from '../telemetry/backend';
import { TelemetryError } from '../telemetry/source';
import { type Check, type Noted, summarise } from './check-summary';

export type { Check } from './check-summary';

export interface CheckOptions {
  apiKey: string | null;
  connectionDetails: Record<string, unknown>;
  timeoutMillis: number;
  /** Sent with every request besides StackState's own headers (the window marks its Check runs). */
  headers?: Record<string, string>;
  /** "now" for the query windows; fixed in tests. */
  now?: number;
}

export type CheckReport =
  | { reachable: true; checks: Check[]; summary: { pass: number; fail: number; warn: number } }
  | { reachable: false; message: string };

interface Sent {
  operation: Operation;
  /** What was sent, in a few words: "Metric values, raw, limit 3". */
  what: string;
  body: Record<string, unknown>;
}

interface Outcome {
  sent: Sent;
  graded: Graded | null;
  /** Why no answer came, when none did, and whether that is because nothing is there at all. */
  failure?: { message: string; nothingThere: boolean };
}

export async function runChecks(mirrorUrl: string, options: CheckOptions): Promise<CheckReport> {
  const base = new URL(mirrorUrl.endsWith('/') ? mirrorUrl : `${mirrorUrl}/`);
  const noted: Noted[] = [];
  const note = (what: string, verdict: Verdict) => noted.push({ ...verdict, what });
  const connectionDetails = options.connectionDetails;

  const ask = async (sent: Sent): Promise<Outcome> => {
    const url = new URL(OPERATIONS[sent.operation].path.slice(1), base);
    const signal = AbortSignal.timeout(options.timeoutMillis);
    let answer: RawAnswer;
    try {
      answer = await callBackend(
        url,
        {
          method: 'POST',
          headers: { ...options.headers, 'content-type': 'application/json' },
          body: JSON.stringify(sent.body),
        },
        { connectionDetails, signal, note: () => {} },
      );
    } catch (error) {
      if (signal.aborted) {
        note(sent.what, {
          rule: 'in-time',
          status: 'fail',
          got: `no answer within ${options.timeoutMillis / 1000} s`,
        });
      } else {
        const message = (error instanceof TelemetryError ? error.message : String(error)).replace(/\.$/, '');
        note(sent.what, { rule: 'answered', status: 'fail', got: message });
        const nothingThere = error instanceof BackendUnreached && error.nothingThere;
        return { sent, graded: null, failure: { message, nothingThere } };
      }
      return { sent, graded: null };
    }
    note(sent.what, { rule: 'answered', status: 'pass', got: `HTTP ${answer.status}` });
    note(sent.what, { rule: 'in-time', status: 'pass', got: 'answered in time' });
    const graded = gradeAnswer(sent.operation, sent.body, answer, options.apiKey);
    for (const verdict of graded.verdicts) note(sent.what, verdict);
    return { sent, graded };
  };

  // ---- Test Connection: also tells whether anything answers at all ----
  const first = await ask({
    operation: 'connection',
    what: 'Test Connection',
    body: { _type: 'TestConnectionRequest', connectionDetails },
  });
  // Nothing there: one plain line, instead of a failed check and every other rule "not exercised".
  if (first.failure?.nothingThere)
    return { reachable: false, message: `${first.failure.message}.`.replace(/([.?])\.$/, '$1') };

  const end = Math.floor((options.now ?? Date.now()) / 60_000) * 60_000;
  const start = end - 3_600_000;
  const window = { startTime: start, endTime: end };

  // ---- field names ----
  const namesQuery = (limit: number, latestFirst: boolean) => ({
    _type: 'FieldNamesRequest',
    connectionDetails,
    query: { _type: 'FieldNamesQuery', conditions: [], ...window, limit, latestFirst },
  });
  const names = await ask({ operation: 'fieldNames', what: 'Field names', body: namesQuery(INT_MAX, true) });
  await ask({
    operation: 'fieldNames',
    what: 'Field names, latestFirst false',
    body: namesQuery(INT_MAX, false),
  });
  const fields = names.graded?.parsed.kind === 'fieldNames' ? names.graded.parsed.body.fields : [];
  if (fields.length > 0) {
    const limited = await ask({
      operation: 'fieldNames',
      what: 'Field names, limit 1',
      body: namesQuery(1, true),
    });
    comparePartial(note, limited, fields.length, 1);
  }

  // ---- field values: every field (a few), then prefix, limit and offset on the first with values ----
  const valuesQuery = (field: (typeof fields)[number], prefix: string, limit: number, offset: number) => ({
    _type: 'FieldValuesRequest',
    connectionDetails,
    query: {
      _type: 'FieldValuesQuery',
      conditions: [],
      field,
      fieldValuePrefix: prefix,
      ...window,
      limit,
      offset,
      latestFirst: true,
    },
  });
  let valued: { field: (typeof fields)[number]; values: string[] } | null = null;
  for (const field of fields.slice(0, 5)) {
    const answer = await ask({
      operation: 'fieldValues',
      what: `Field values of ${field.fieldName}`,
      body: valuesQuery(field, '', INT_MAX, 0),
    });
    const parsed = answer.graded?.parsed;
    if (!valued && parsed?.kind === 'fieldValues' && parsed.body.values.length > 0)
      valued = { field, values: parsed.body.values.map((v) => v.value) };
  }
  if (valued) {
    const { field, values } = valued;
    const prefix = values[0]!.slice(0, 1);
    await ask({
      operation: 'fieldValues',
      what: `Field values of ${field.fieldName}, prefix ${JSON.stringify(prefix)}`,
      body: valuesQuery(field, prefix, INT_MAX, 0),
    });
    const limited = await ask({
      operation: 'fieldValues',
      what: `Field values of ${field.fieldName}, limit 1`,
      body: valuesQuery(field, '', 1, 0),
    });
    comparePartial(note, limited, values.length, 1);
    if (values.length > 1) {
      const paged = await ask({
        operation: 'fieldValues',
        what: `Field values of ${field.fieldName}, offset 1`,
        body: valuesQuery(field, '', INT_MAX, 1),
      });
      compareOffset(note, paged, values);
    }
  }

  // ---- metrics ----
  // The metric field: the first NUMBER field (then any field) a raw query is answered for.
  const candidates = [
    ...fields.filter((f) => f.fieldType === 'NUMBER'),
    ...fields.filter((f) => f.fieldType !== 'NUMBER'),
  ];
  let metricField: string | undefined = candidates[0]?.fieldName;
  const metricsBody = (query: Record<string, unknown>) => ({
    _type: 'MetricsRequest',
    connectionDetails,
    query: {
      _type: 'MetricsQuery',
      conditions: [],
      ...window,
      ...(metricField ? { metricField } : {}),
      ...query,
    },
  });
  let raw = await ask({
    operation: 'metrics',
    what: describeRaw(metricField),
    body: metricsBody({ limit: 100500 }),
  });
  for (const candidate of candidates.slice(1, 4)) {
    if (raw.graded?.parsed.kind !== 'error') break;
    metricField = candidate.fieldName;
    raw = await ask({
      operation: 'metrics',
      what: describeRaw(metricField),
      body: metricsBody({ limit: 100500 }),
    });
  }
  const rawCount = pointCount(raw);
  if (rawCount !== null && rawCount > 0) {
    const limit = Math.max(1, Math.min(3, rawCount - 1));
    const limited = await ask({
      operation: 'metrics',
      what: `Metric values, raw, limit ${limit}`,
      body: metricsBody({ limit }),
    });
    comparePartial(note, limited, rawCount, limit);
  }
  const aggregation = (method: string, bucketSizeMillis: number) => ({
    _type: 'Aggregation',
    method,
    bucketSizeMillis,
  });
  for (const method of AGGREGATION_METHODS) {
    await ask({
      operation: 'metrics',
      what: `Metric values, ${method} per 1 min over 1 h`,
      body: metricsBody({ limit: 100500, aggregation: aggregation(method, 60_000) }),
    });
  }
  // 7 minutes do not divide the hour: the last bucket is cut by the window.
  const uneven = await ask({
    operation: 'metrics',
    what: 'Metric values, MEAN per 7 min over 1 h',
    body: metricsBody({ limit: 100500, aggregation: aggregation('MEAN', 420_000) }),
  });
  const bucketCount = pointCount(uneven);
  if (bucketCount !== null && bucketCount > 1) {
    const limited = await ask({
      operation: 'metrics',
      what: 'Metric values, MEAN per 7 min, limit 2',
      body: metricsBody({ limit: 2, aggregation: aggregation('MEAN', 420_000) }),
    });
    comparePartial(note, limited, bucketCount, 2);
  }

  // ---- conditions of each value type, and bad input StackState can send ----
  const keyOf = (type: string) =>
    (fields.find((f) => f.fieldType === type) ?? fields[0])?.fieldName ?? 'field';
  const conditionValues: [string, Record<string, unknown>][] = [
    ['StringValue', { _type: 'StringValue', value: valued?.values[0] ?? 'a' }],
    ['DoubleValue', { _type: 'DoubleValue', value: 2.0 }],
    ['BooleanValue', { _type: 'BooleanValue', value: true }],
    ['InSetValue', { _type: 'InSetValue', value: valued?.values.slice(0, 2) ?? ['a', 'b'] }],
  ];
  const typeOf: Record<string, string> = {
    StringValue: 'STRING',
    DoubleValue: 'NUMBER',
    BooleanValue: 'BOOLEAN',
    InSetValue: 'STRING',
  };
  for (const [name, value] of conditionValues) {
    const key =
      name === 'StringValue' || name === 'InSetValue'
        ? (valued?.field.fieldName ?? keyOf('STRING'))
        : keyOf(typeOf[name]!);
    await ask({
      operation: 'metrics',
      what: `Metric values, MEAN per 1 min, condition ${key} = ${name}`,
      body: metricsBody({
        limit: 100500,
        aggregation: aggregation('MEAN', 60_000),
        conditions: [{ _type: 'EqualityCondition', key, value }],
      }),
    });
  }
  await ask({
    operation: 'metrics',
    what: 'Metric values with a condition on an unknown field (and a top-level requestTimeout)',
    body: {
      ...metricsBody({
        conditions: [
          {
            _type: 'EqualityCondition',
            key: 'no-such-field-xyz',
            value: { _type: 'StringValue', value: 'x' },
          },
        ],
      }),
      requestTimeout: 15000,
    },
  });
  await ask({
    operation: 'metrics',
    what: 'Metric values over an empty window (startTime = endTime)',
    body: metricsBody({ startTime: end, endTime: end, aggregation: aggregation('MEAN', 60_000) }),
  });
  // Not something StackState sends, but the surest way to see how the mirror answers an error.
  await ask({
    operation: 'metrics',
    what: 'Metric values without a query (a body no mirror can answer)',
    body: { _type: 'MetricsRequest', connectionDetails },
  });
  return { reachable: true, ...summarise(noted) };
}

const describeRaw = (field: string | undefined) => `Metric values of ${field ?? '(no field)'}, raw over 1 h`;

function pointCount(outcome: Outcome): number | null {
  const parsed = outcome.graded?.parsed;
  return parsed?.kind === 'metrics' ? parsed.body.telemetry.points.length : null;
}

function listOf(outcome: Outcome): { count: number; isPartial: boolean } | null {
  const parsed = outcome.graded?.parsed;
  if (parsed?.kind === 'fieldNames')
    return { count: parsed.body.fields.length, isPartial: parsed.body.isPartial };
  if (parsed?.kind === 'fieldValues')
    return { count: parsed.body.values.length, isPartial: parsed.body.isPartial };
  if (parsed?.kind === 'metrics')
    return { count: parsed.body.telemetry.points.length, isPartial: parsed.body.telemetry.isPartial };
  return null;
}

type Note = (what: string, verdict: Verdict) => void;

/** A limited answer against the unlimited one: cut means isPartial true, whole means false. */
function comparePartial(note: Note, limited: Outcome, fullCount: number, limit: number): void {
  const list = listOf(limited);
  if (!list) return;
  const what = limited.sent.what;
  if (fullCount > limit && !list.isPartial)
    note(what, {
      rule: 'is-partial',
      status: 'fail',
      got: `isPartial false with ${list.count} of ${fullCount}`,
    });
  else if (fullCount <= limit && list.isPartial)
    note(what, { rule: 'is-partial', status: 'warn', got: `isPartial true although all ${fullCount} fit` });
  else
    note(what, {
      rule: 'is-partial',
      status: 'pass',
      got: `isPartial ${list.isPartial} with ${list.count} of ${fullCount}`,
    });
}

function compareOffset(note: Note, paged: Outcome, values: readonly string[]): void {
  const parsed = paged.graded?.parsed;
  if (parsed?.kind !== 'fieldValues') return;
  const firstPaged = parsed.body.values[0]?.value;
  const what = paged.sent.what;
  if (parsed.body.values.length === values.length && firstPaged === values[0])
    note(what, { rule: 'offset', status: 'fail', got: `the same ${values.length} values as offset 0` });
  else if (firstPaged !== values[1])
    note(what, {
      rule: 'offset',
      status: 'warn',
      got: `first value ${JSON.stringify(firstPaged)}, expected ${JSON.stringify(values[1])}`,
    });
  else note(what, { rule: 'offset', status: 'pass', got: `starts at ${JSON.stringify(firstPaged)}` });
}
