// The StackState mirror API (mirror-api.md) on a fastify instance: the four POST operations,
// lenient input, protocol error objects, the API-key header on every response, and one
// MirrorExchange report per request. The mirror owns the instance it is given: it replaces the
// body parsers, the validator, the error and not-found handlers (see createMirrorApp in listen.ts).
import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyTypeProvider } from 'fastify';
import type { ExchangeFinding, ExchangeListener } from '../protocol/exchange';
import { jsonDepthExceeds, MAX_JSON_DEPTH, parseJsonSafely } from '../protocol/json-limits';
import {
  API_KEY_HEADER,
  FieldNamesRequest,
  FieldValuesRequest,
  JSON_CONTENT_TYPE,
  MetricsRequest,
  type MirrorErrorBody,
  OPERATIONS,
  type Operation,
  TestConnectionRequest,
} from '../protocol/messages';
import { FORWARDED_HEADER, type SourceContext, type TelemetrySource } from '../telemetry/source';
import {
  ANSWER_LIMITS,
  type AnswerLimits,
  FIELD_LIMIT_DEFAULT,
  fitAnswer,
  installAnswerBounds,
} from './answer-bounds';
import { AnswerCache } from './answer-cache';
import { DEFAULT_DEADLINE_MILLIS, deadlineFor, withDeadline } from './deadline';
import {
  assertTimeWindow,
  compileBodyValidator,
  describeErrorBody,
  forwardingLoop,
  MAX_BODY_BYTES,
  malformedJson,
  methodNotAllowed,
  missingHost,
  notFound,
  toErrorReply,
  tooDeep,
} from './errors';
import { installExchangeDrafts, MAX_FINDINGS, reportExchanges } from './exchange-draft';
import { type AppInfo, homeHtml, homeJson, mirrorUrlOf } from './home';
import { publicErrorBody } from './public-errors';

export interface MirrorOptions {
  /** Read on every request, so the session can switch the profile without a restart. */
  source: () => TelemetrySource;
  /** Read on every response, so a regenerated key applies to the next response. */
  apiKey: () => string;
  /** How long a source may take to answer one request (DEFAULT_DEADLINE_MILLIS when absent). */
  deadlineMillis?: () => number;
  onExchange?: ExchangeListener;
  appInfo: AppInfo;
  /** The answer ceiling, the budget of unsent bytes and the write deadline (ANSWER_LIMITS when absent). */
  answerLimits?: Partial<AnswerLimits>;
}

/**
 * Handler types from the TypeBox schemas. @fastify/type-provider-typebox 6 infers with `typebox` 1.x,
 * which turns messages.ts's (0.34) aggregation-method union into `never`; this is its exact shape with 0.34's Static.
 */
interface MirrorTypeProvider extends FastifyTypeProvider {
  validator: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
  serializer: this['schema'] extends TSchema ? Static<this['schema']> : unknown;
}

const OPERATION_BY_PATH = new Map<string, Operation>(
  Object.entries(OPERATIONS).map(([operation, { path }]) => [path, operation as Operation]),
);

/**
 * The operation a POST is for: its path as sent, or else the route it reached (`/api/metric/`,
 * `//api/metric`). Fastify's route options are a new object on every read, so only the second asks.
 */
const operationOf = (request: FastifyRequest): Operation | null =>
  OPERATION_BY_PATH.get(request.url) ?? OPERATION_BY_PATH.get(request.routeOptions.url ?? '') ?? null;

export function registerMirrorRoutes(app: FastifyInstance, options: MirrorOptions): void {
  const draftOf = installExchangeDrafts(app);
  const answerLimits: AnswerLimits = { ...ANSWER_LIMITS, ...options.answerLimits };

  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    body: unknown,
    resultCount: number | null = null,
    error?: MirrorErrorBody,
  ): FastifyReply => {
    const draft = draftOf(request);
    draft.responseIsJson = isJsonBody(body);
    draft.resultCount = resultCount;
    if (error) draft.error = describeErrorBody(error);
    return reply.code(status).send(body);
  };
  /** The whole cause goes to the log; the public body names no address (public-errors.ts). */
  const sendError = (request: FastifyRequest, reply: FastifyReply, error: unknown): FastifyReply => {
    const { status, body } = toErrorReply(error);
    return send(request, reply, status, publicErrorBody(body, options.source().kind), null, body);
  };

  // ---- input: JSON whatever the Content-Type, validated by TypeBox ----

  app.removeAllContentTypeParsers();
  // JSON (what StackState sends) by name as well: fastify finds a named type in its cache, where
  // the catch-all alone costs a parse of the Content-Type header on every request.
  const anyType = ['application/json', '*'];
  app.addContentTypeParser(
    anyType,
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (request, text, done) => {
      const raw = String(text);
      const draft = draftOf(request);
      draft.requestBody = raw;
      draft.rawBody = raw;
      if (raw.trim() === '') return done(null, EMPTY_BODY);
      if (jsonDepthExceeds(raw)) return done(tooDeep(MAX_JSON_DEPTH), undefined);
      try {
        draft.requestBody = parseJsonSafely(raw);
        done(null, draft.requestBody);
      } catch (error) {
        done(malformedJson((error as Error).message), undefined);
      }
    },
  );
  app.setValidatorCompiler(({ schema }) => compileBodyValidator(schema as TSchema));

  // ---- every request: the key header first, so that no later failure can lose it ----

  app.addHook('onRequest', (request, reply, done) => {
    // An empty body is an empty request (Test Connection needs nothing; the schema says what else
    // is missing): a body that comes replaces this, and a request without one keeps it. The
    // validator copies what it changes, so one frozen object serves every request.
    request.body = EMPTY_BODY;
    const draft = draftOf(request);
    draft.operation = request.method === 'POST' ? operationOf(request) : null;
    // Set on the raw response: it survives every later path (even fastify's fallback error reply),
    // and keeps the documented spelling on the wire, where reply.header() would lower-case it.
    // A pass-through source's errors carry its upstream's key: the one StackState was given.
    reply.raw.setHeader(API_KEY_HEADER, options.source().learnedApiKey?.() ?? options.apiKey());
    // HTTP/1.1 requires Host; Node's own refusal would be a bare 400 (its check is off, see listen.ts).
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      sendError(request, reply, missingHost());
      return; // answered: the route does not run
    }
    done();
  });

  // Every answer within its bounds (answer-bounds.ts); one replaced by an error is logged as that error.
  const budget = installAnswerBounds(app, answerLimits, {
    refused: (request, error) => {
      const draft = draftOf(request);
      draft.error = describeErrorBody(error);
      draft.resultCount = null;
    },
    sent: (request, payload) => {
      draftOf(request).rawResponse = payload;
    },
  });

  if (options.onExchange) reportExchanges(app, draftOf, options.onExchange);

  // ---- failures: one place turns anything thrown into a protocol error object ----

  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendError(request, reply, notFound(request.method, request.url)),
  );

  // ---- the four operations ----

  const api = app.withTypeProvider<MirrorTypeProvider>();

  /** Calls the source for this request, under the deadline and StackState's connection (deadline.ts). */
  const ask = <T>(
    operation: Operation,
    body: { connectionDetails?: Record<string, unknown> | undefined; requestTimeout?: unknown },
    reply: FastifyReply,
    call: (source: TelemetrySource, context: SourceContext) => Promise<T>,
  ): Promise<T> => {
    const source = options.source();
    // The tighter of the setting and StackState's own requestTimeout, if it sent one.
    const deadline = deadlineFor(options.deadlineMillis?.() ?? DEFAULT_DEADLINE_MILLIS, body.requestTimeout);
    const details = body.connectionDetails ?? {};
    const { findings } = draftOf(reply.request);
    const note = (finding: ExchangeFinding) => {
      if (findings.length < MAX_FINDINGS) findings.push(finding);
    };
    // Answers computed in this very turn cannot outlive a deadline or a hang-up: no timer for them.
    if (source.instant) return call(source, { connectionDetails: details, note, signal: NEVER_ABORTED });
    return withDeadline(operation, reply.raw, deadline, details, note, (context) => call(source, context));
  };

  /**
   * Pass-through (a source with `forward`, e.g. `upstream`): the request goes out as StackState sent
   * it, and the answer comes back as it came: status, key header (or none) and body, byte for byte.
   * Only for a source that has `forward` (the routes check).
   */
  const relay = async (
    operation: Operation,
    body: { connectionDetails?: Record<string, unknown> | undefined },
    reply: FastifyReply,
  ): Promise<FastifyReply> => {
    if (reply.request.headers[FORWARDED_HEADER.toLowerCase()] !== undefined) throw forwardingLoop();
    const draft = draftOf(reply.request);
    const forwarded = () =>
      ask(operation, body, reply, (source, context) =>
        source.forward
          ? source.forward(operation, draft.rawBody, context)
          : Promise.reject(new Error('no forward')),
      );
    // A query's answer holds a share of the budget while it comes (as answerQuery's own do), and
    // gives it back before it is sent, where the bounds count its real size. Test Connection holds none.
    const answer = await (operation === 'connection' ? forwarded() : withBudget(forwarded));
    if (answer.apiKey === null) reply.raw.removeHeader(API_KEY_HEADER);
    else reply.raw.setHeader(API_KEY_HEADER, answer.apiKey);
    if (answer.contentType !== null) reply.header('content-type', answer.contentType);
    draft.responseIsJson = isJsonBody(answer.logBody);
    draft.resultCount = answer.resultCount;
    if (answer.error !== undefined) draft.error = answer.error;
    return reply.code(answer.status).send(answer.body);
  };

  api.post(
    OPERATIONS.connection.path,
    { schema: { body: TestConnectionRequest } },
    async (request, reply) => {
      if (options.source().forward) return relay('connection', request.body, reply);
      const response = await ask('connection', request.body, reply, (source, context) =>
        source.testConnection(context),
      );
      // A FAILURE answer goes out with a non-2xx status, as S3 sends it; StackState reports it either way.
      const cause = response.error;
      const shown = cause ? { ...response, error: publicErrorBody(cause, options.source().kind) } : response;
      return send(request, reply, response.status === 'OK' ? 200 : 500, shown, null, cause);
    },
  );

  /** A deterministic source's answers, for repeats (bounded: answer-cache.ts). */
  const answers = new AnswerCache();

  /**
   * The three query operations: pass-through, or the window's check, then the source's answer and
   * its count. A deterministic source's answer is kept as sent, and a repeat of the query gets
   * those bytes (answer-cache.ts).
   */
  const answerQuery = async <Query extends { startTime: number; endTime: number; limit: number }, Answer>(
    operation: Exclude<Operation, 'connection'>,
    body: { query: Query; connectionDetails?: Record<string, unknown> | undefined },
    reply: FastifyReply,
    call: (source: TelemetrySource, query: Query, context: SourceContext) => Promise<Answer>,
    count: (answer: Answer) => number,
  ): Promise<FastifyReply> => {
    const source = options.source();
    const generation = source.answerGeneration?.();
    // Another kind of source serves now: the kept answers (and the source they hold) can go.
    if (generation === undefined) answers.clear();
    // An upstream gets StackState's bytes as they came; its answer is held to the ceiling (answer-bounds.ts).
    if (source.forward) return relay(operation, body, reply);
    assertTimeWindow(body.query);
    // StackState sends Int.MaxValue for "no limit": every source gets a bounded one.
    if (operation !== 'metrics') body.query.limit = Math.min(body.query.limit, FIELD_LIMIT_DEFAULT);
    const key = generation === undefined ? null : AnswerCache.keyOf(operation, body.query);
    if (generation !== undefined && key !== null) {
      const kept = answers.get(source, generation, key);
      if (kept) return sendJsonBytes(reply, kept.bytes, kept.resultCount);
    }
    // JSON.stringify, encoded once (cut with isPartial past the ceiling). Measured on the demo's
    // 1,440-point answers: a byte writer for the points (integers digit by digit) was within noise
    // of it (355–430 µs against 410–430 µs), a string-building serialiser and fast-json-stringify
    // slower (0.74–0.85 and 0.67–0.71 ms).
    const { bytes, resultCount } = await withBudget(async () => {
      const answer = await ask(operation, body, reply, (source, context) =>
        call(source, body.query, context),
      );
      return { bytes: fitAnswer(answer, answerLimits.maxAnswerBytes), resultCount: count(answer) };
    });
    if (generation !== undefined && key !== null)
      answers.set(source, generation, key, { bytes, resultCount });
    return sendJsonBytes(reply, bytes, resultCount);
  };

  /**
   * A query's answer is made holding a share of the unsent budget (answer-bounds.ts), so that past
   * it a request is refused before its answer is computed. The share goes back once the answer is
   * made, in the turn that sends it, where the bounds count its real size. Test Connection holds
   * none: its answer is small, and it must work when all else is busy.
   */
  const withBudget = async <T>(make: () => Promise<T>): Promise<T> => {
    const release = budget.reserve();
    try {
      return await make();
    } finally {
      release();
    }
  };

  /** A 200 with an answer already serialised. */
  const sendJsonBytes = (reply: FastifyReply, bytes: Buffer, resultCount: number): FastifyReply => {
    const draft = draftOf(reply.request);
    draft.responseIsJson = true;
    draft.resultCount = resultCount;
    return reply.code(200).type(JSON_CONTENT_TYPE).send(bytes);
  };

  api.post(OPERATIONS.fieldNames.path, { schema: { body: FieldNamesRequest } }, (request, reply) =>
    answerQuery(
      'fieldNames',
      request.body,
      reply,
      (source, query, context) => source.fieldNames(query, context),
      (answer) => answer.fields.length,
    ),
  );

  api.post(OPERATIONS.fieldValues.path, { schema: { body: FieldValuesRequest } }, (request, reply) =>
    answerQuery(
      'fieldValues',
      request.body,
      reply,
      (source, query, context) => source.fieldValues(query, context),
      (answer) => answer.values.length,
    ),
  );

  api.post(OPERATIONS.metrics.path, { schema: { body: MetricsRequest } }, (request, reply) =>
    answerQuery(
      'metrics',
      request.body,
      reply,
      (source, query, context) => source.metrics(query, context),
      (answer) => answer.telemetry.points.length,
    ),
  );

  // Any other method on an operation's path: 405 with `Allow: POST` rather than a misleading 404.
  const otherMethods = app.supportedMethods.filter((method) => method !== 'POST');
  for (const { path } of Object.values(OPERATIONS)) {
    app.route({
      method: otherMethods,
      url: path,
      exposeHeadRoute: false,
      handler: (request, reply) => {
        reply.header('allow', 'POST');
        sendError(request, reply, methodNotAllowed(request.method, path));
      },
    });
  }

  // ---- GET / (and HEAD /): what this is, for a person or a script ----

  app.get('/', (request, reply) => {
    if (String(request.headers.accept ?? '').includes('text/html')) {
      const html = homeHtml(options.appInfo, mirrorUrlOf(request));
      reply.type('text/html; charset=utf-8');
      send(request, reply, 200, html);
    } else {
      send(request, reply, 200, homeJson(options.appInfo));
    }
  });
}

/** A body the mirror sends as JSON (a protocol answer) rather than as text (GET /'s page). */
const isJsonBody = (body: unknown) => typeof body !== 'string' && body !== undefined;

/** The body of a request that has none (see the onRequest hook). */
const EMPTY_BODY = Object.freeze({});

/** The signal of a source that answers at once: nothing ever aborts it. */
const NEVER_ABORTED = new AbortController().signal;
