// The `upstream` kind: the app in front of the user's own mirror. Every StackState request is
// forwarded as it came; the upstream's answer (status, key header, body) goes back byte for byte
// through the mirror plugin (TelemetrySource.forward); and every answer is graded by the same rules
// as `npm run check` (server/protocol/rules.ts), the broken ones noted on the log entry. An upstream
// that is down, hangs or passes the deadline becomes a protocol error with the key header
// (callBackend and the plugin's deadline). The upstream's own key, learned from its answers, is
// the key StackState must be given.
import { clip } from '../clip';
import { API_KEY_HEADER, apiKeyProblem, OPERATIONS, type Operation } from '../protocol/messages';
import { Answers } from '../protocol/response-schemas';
import { describeError, gradeAnswer, RULES } from '../protocol/rules';
import { callBackend } from './backend';
import {
  FORWARDED_HEADER,
  type ForwardedAnswer,
  remoteMirrorError,
  type SourceContext,
  type TelemetrySource,
} from './source';

/** An answer slower than this would fail StackState's UI calls ("Request timeout ui", 15 s). */
const UI_TIMEOUT_MILLIS = 15_000;

/** Why `value` is not a mirror URL we can forward to, or null. */
export function checkUpstreamUrl(value: string): string | null {
  if (!URL.canParse(value)) return 'must be a URL such as http://127.0.0.1:7008/';
  const { protocol, username, password } = new URL(value);
  if (protocol !== 'http:' && protocol !== 'https:') return 'must start with http:// or https://';
  if (username || password) return 'must not carry a user name or password';
  return null;
}

export function createUpstreamSource(options: Readonly<Record<string, string>>): TelemetrySource {
  const raw = options.url ?? '';
  const base = new URL(raw.endsWith('/') ? raw : `${raw}/`);
  let learnedKey: string | null = null;

  const forward = async (
    operation: Operation,
    requestBody: string,
    context: SourceContext,
  ): Promise<ForwardedAnswer> => {
    const url = new URL(OPERATIONS[operation].path.slice(1), base);
    const started = Date.now();
    let answer: Awaited<ReturnType<typeof callBackend>>;
    try {
      answer = await callBackend(
        url,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json', [FORWARDED_HEADER]: '1' },
          body: requestBody,
        },
        context,
      );
    } catch (error) {
      const timedOut = context.signal.aborted;
      const rule = timedOut ? 'in-time' : 'answered';
      const why = error instanceof Error ? error.message : String(error);
      context.note({ id: rule, severity: 'fail', message: `${why} — the protocol asks ${RULES[rule].asks}` });
      throw error;
    }
    const elapsed = Date.now() - started;
    const graded = gradeAnswer(operation, parseOrText(requestBody), answer, learnedKey);
    // The upstream's key goes on this answer and on the app's own later errors: only one a user
    // could have typed (an empty, folded or 16,000-character header is not a key).
    const refused = graded.key === null ? null : apiKeyProblem(graded.key);
    const key = refused === null ? graded.key : null;
    if (refused !== null) {
      context.note({
        id: 'key-header',
        severity: 'fail',
        message: `${API_KEY_HEADER}: ${clip(JSON.stringify(graded.key), 60)} is not used: an API key ${refused} — the protocol asks ${RULES['key-header'].asks}`,
      });
    }
    if (key !== null) learnedKey = key;
    for (const verdict of graded.verdicts) {
      if (verdict.status === 'pass') continue;
      context.note({
        id: verdict.rule,
        severity: verdict.status,
        message: `${verdict.got} — the protocol asks ${RULES[verdict.rule].asks}`,
      });
    }
    if (elapsed > UI_TIMEOUT_MILLIS)
      context.note({
        id: 'in-time',
        severity: 'warn',
        message: `answered after ${elapsed} ms — the protocol asks ${RULES['in-time'].asks}`,
      });
    const { parsed } = graded;
    return {
      status: answer.status,
      apiKey: key,
      contentType: answer.headers.get('content-type'),
      body: answer.body,
      logBody: graded.body,
      resultCount:
        parsed.kind === 'fieldNames'
          ? parsed.body.fields.length
          : parsed.kind === 'fieldValues'
            ? parsed.body.values.length
            : parsed.kind === 'metrics'
              ? parsed.body.telemetry.points.length
              : null,
      ...(parsed.kind === 'error' ? { error: describeError(parsed.body) } : {}),
    };
  };

  /** The typed operations, for callers other than the mirror plugin: the same call, its body checked. */
  const typed = async <T>(
    operation: Operation,
    query: unknown,
    context: SourceContext,
    check: { Check(value: unknown): boolean },
  ): Promise<T> => {
    const body = { connectionDetails: context.connectionDetails, ...(query === undefined ? {} : { query }) };
    const answer = await forward(operation, JSON.stringify(body), context);
    const json = answer.logBody;
    if (Answers.error.Check(json)) {
      throw remoteMirrorError(`The upstream mirror answered ${describeError(json)}`, json);
    }
    if (!check.Check(json)) {
      throw remoteMirrorError(
        `The upstream mirror's answer is not a valid ${OPERATIONS[operation].label} answer.`,
      );
    }
    return json as T;
  };

  return {
    kind: 'upstream',
    forward,
    learnedApiKey: () => learnedKey,
    testConnection: (context) => typed('connection', undefined, context, Answers.connection),
    fieldNames: (query, context) => typed('fieldNames', query, context, Answers.fieldNames),
    fieldValues: (query, context) => typed('fieldValues', query, context, Answers.fieldValues),
    metrics: (query, context) => typed('metrics', query, context, Answers.metrics),
    catalog: () => ({ dimensions: {}, metrics: [] }),
    setIncidents: () => {},
  };
}

/** The parsed JSON, or the text as it was (for the log and for a request the rules cannot read). */
function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
