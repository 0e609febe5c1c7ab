// The control API: the UI's only way into the session. Loopback only, on its own port (the tunnel
// never forwards to it), behind a per-launch token. See contract.ts for the routes and messages.

import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type {
  CheckMirrorRequest,
  CleanupOptions,
  ControlEvent,
  DataSourceSetting,
  IncidentRequest,
  LogEntry,
  SessionState,
  SettingsPatch,
} from '../contract/contract';
import { LOG_CAPACITY, MAX_EVENT_STREAMS, ROUTES } from '../contract/contract';
import { enforceRequestTimeouts, NODE_TIMEOUTS_OFF } from '../request-timeouts';
import type { MirrorSession } from '../session';
import { ActionError } from '../session';
import { logPage } from '../session/log-page';
import { checkMirrorFromUi } from './check-mirror';
import { checkControlRequest, createControlToken } from './guard';
import {
  CheckMirrorRequestSchema,
  CleanupOptionsSchema,
  DataSourceTestSchema,
  IncidentRequestSchema,
  SettingsPatchSchema,
} from './schemas';
import { loadStaticFiles, MISSING_UI_PAGE } from './static-files';

/** Log entries reach the page in batches at most this often, so a busy mirror cannot flood it. */
export const LOG_BATCH_MILLIS = 100;
/**
 * Node's default headers time-out, kept for the control port; checked by request-timeouts.ts, which
 * (unlike Node's own check every 30 s) does not wake the idle app while only the event stream is open.
 */
const CONTROL_HEADERS_TIMEOUT_MILLIS = 60_000;
/**
 * How long an idle kept-alive connection of the page stays open (Node's default; fastify's 72 s
 * is for load balancers). While one is open, the time-outs above are checked every second; on
 * 127.0.0.1 a new connection for the next click costs next to nothing.
 */
const CONTROL_KEEP_ALIVE_MILLIS = 5000;

/** How the event stream treats a client that does not read (see registerEventStream). */
export interface EventStreamLimits {
  /** Bytes waiting for one client beyond which nothing more is queued for it, only counted. */
  maxBufferedBytes: number;
  /** How long a stalled client may take to catch up before its stream is ended. */
  stallCutoffMillis: number;
  /** How long an ended stream's socket may keep its last bytes before it is destroyed. */
  endGraceMillis: number;
  /** Streams open at once; one more is refused (503). */
  maxStreams: number;
}
export const EVENT_STREAM_LIMITS: EventStreamLimits = {
  maxBufferedBytes: 512 * 1024,
  stallCutoffMillis: 30_000,
  endGraceMillis: 30_000,
  maxStreams: MAX_EVENT_STREAMS,
};
/** The catch-all route of the UI's files: the only one that needs no token. */
const STATIC_ROUTE = '/*';

export interface ControlServerOptions {
  session: MirrorSession;
  /** 0 picks a free port. */
  port?: number;
  /** The built UI (dist/renderer). */
  uiRoot: string;
  /** A fixed token for tests; a random one per launch otherwise. */
  token?: string;
  /** Tests shorten these; EVENT_STREAM_LIMITS otherwise. */
  eventStream?: Partial<EventStreamLimits>;
  /** Tests shorten it; CONTROL_HEADERS_TIMEOUT_MILLIS otherwise. */
  headersTimeoutMillis?: number;
}

export class ControlPortInUseError extends Error {
  readonly code = 'EADDRINUSE';
  constructor(port: number) {
    super(
      `The UI port ${port} is already in use. Choose another with --ui-port <n>, or leave it out for any free port.`,
    );
    this.name = 'ControlPortInUseError';
  }
}

export interface RunningControlServer {
  port: number;
  token: string;
  /** The address to open: the UI, with the token. */
  uiUrl: string;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  // The token travels in the page's address: never send it on as a Referer.
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export async function startControlServer(options: ControlServerOptions): Promise<RunningControlServer> {
  const token = options.token ?? createControlToken();
  const app = Fastify({
    logger: false,
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
    keepAliveTimeout: CONTROL_KEEP_ALIVE_MILLIS,
    http: NODE_TIMEOUTS_OFF,
    // Refuse what the schemas do not name, instead of silently dropping it.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  let port = 0;
  enforceRequestTimeouts(app.server, {
    headersTimeout: options.headersTimeoutMillis ?? CONTROL_HEADERS_TIMEOUT_MILLIS,
    requestTimeout: 0,
    checkMillis: 1000,
  });

  app.addHook('onRequest', async (request, reply) => {
    const query = new URL(request.url, 'http://control').searchParams;
    // Decided by the route the router matched, not the raw URL, which may be percent-encoded
    // (/%63ontrol/state is /control/state to the router). Only the static files go without a token.
    const needsToken = request.routeOptions.url !== STATIC_ROUTE;
    const refusal = checkControlRequest({ headers: request.headers, query }, { token, port }, needsToken);
    if (refusal) return reply.code(refusal.status).send({ error: refusal.error });
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error instanceof ActionError ? 400 : (error.statusCode ?? 500);
    reply.code(status).send({ error: error.message });
  });

  registerActions(app, options.session);
  registerEventStream(app, options.session, { ...EVENT_STREAM_LIMITS, ...options.eventStream });
  registerStaticUi(app, options.uiRoot);

  try {
    await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  } catch (error) {
    await app.close();
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new ControlPortInUseError(options.port ?? 0);
  }
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    token,
    uiUrl: `http://127.0.0.1:${port}/?token=${token}`,
    close: () => app.close(),
  };
}

function registerActions(app: FastifyInstance, session: MirrorSession): void {
  app.get(ROUTES.state, async () => session.state);
  app.get(ROUTES.log, async (request, reply) => {
    const before = new URL(request.url, 'http://control').searchParams.get('before');
    if (before !== null && !/^\d{1,15}$/.test(before)) {
      return reply.code(400).send({
        error: `before must be a log entry id (a whole number), not ${JSON.stringify(before.slice(0, 40))}`,
      });
    }
    return logPage(session.log.list(), session.log.total, before === null ? null : Number(before));
  });
  app.get(`${ROUTES.raw}/:id`, async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    const raw = Number.isInteger(id) ? session.log.raw(id) : undefined;
    if (raw) return raw;
    return reply
      .code(404)
      .send({ error: `no full exchange kept for id ${(request.params as { id: string }).id}` });
  });
  app.delete(ROUTES.clearLog, async () => {
    session.log.clear();
    return { cleared: true };
  });
  app.post(ROUTES.start, async () => session.start());
  app.post(ROUTES.stop, async () => session.stop());
  app.post(ROUTES.cleanup, { schema: { body: Type.Optional(CleanupOptionsSchema) } }, async (request) =>
    session.cleanup((request.body as CleanupOptions | undefined) ?? {}),
  );
  // The session checks each setting's value (checkSetting); the schema checks the shape.
  app.put(ROUTES.settings, { schema: { body: SettingsPatchSchema } }, async (request) =>
    session.updateSettings(request.body as SettingsPatch),
  );
  app.post(ROUTES.retryTunnel, async () => session.retryTunnel());
  app.post(ROUTES.useFreePort, async () => session.useFreePort());
  app.post(ROUTES.regenerateApiKey, async () => session.regenerateApiKey());
  app.post(ROUTES.incidents, { schema: { body: IncidentRequestSchema } }, async (request) =>
    session.startIncident(request.body as IncidentRequest),
  );
  app.delete(ROUTES.incidents, async () => session.endIncidents());
  app.post(ROUTES.selfTest, async () => session.selfTest());
  app.post(ROUTES.testDataSource, { schema: { body: DataSourceTestSchema } }, async (request) =>
    session.testDataSource((request.body as { dataSource: DataSourceSetting }).dataSource),
  );
  app.post(ROUTES.checkMirror, { schema: { body: CheckMirrorRequestSchema } }, async (request) =>
    session.asCheckRun((headers) => checkMirrorFromUi(request.body as CheckMirrorRequest, headers)),
  );
  app.post(`${ROUTES.replay}/:id`, async (request) => {
    const id = Number((request.params as { id: string }).id);
    if (!Number.isInteger(id)) throw new ActionError('the replay id must be a number');
    return session.replay(id);
  });
}

/**
 * One stream carries state changes at once and log entries in batches; it starts with the state and
 * the newest log entries within the slow-reader bound (logPage), and at most `maxStreams` are open.
 *
 * It respects backpressure: once more than `maxBufferedBytes` wait for a client that is not reading
 * (a frozen tab, a suspended laptop), nothing more is queued for it. Log entries are only counted and
 * only the newest state is kept. When the socket drains the client gets that state and one `log-gap`
 * event with the count, and reloads the log. A client that has not caught up `stallCutoffMillis` after
 * it stopped reading gets a final `stream-end` event and its stream is ended (it reconnects and gets a
 * fresh snapshot); a socket that does not take even that within `endGraceMillis` is destroyed.
 * At most one batch (at most LOG_CAPACITY entries, each with capped bodies) beyond the bound is queued.
 */
function registerEventStream(app: FastifyInstance, session: MirrorSession, limits: EventStreamLimits): void {
  let open = 0;
  app.get(ROUTES.events, (request: FastifyRequest, reply: FastifyReply) => {
    // Each stream costs up to its slow-reader bound: their number is bounded too.
    if (open >= limits.maxStreams) {
      return reply.code(503).send({
        error: `${limits.maxStreams} windows already follow this app's events, the most it serves at once. Close another window or tab of it, then reload this one.`,
      });
    }
    open++;
    reply.raw.once('close', () => {
      open--;
    });
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    });

    /** Set while the client is not reading: what it missed, and when to give up on it. */
    let stalled: {
      skipped: number;
      cleared: boolean;
      state: SessionState | null;
      cutOff: NodeJS.Timeout;
    } | null = null;
    let pending: LogEntry[] = [];
    let flushTimer: NodeJS.Timeout | null = null;
    let endTimer: NodeJS.Timeout | null = null;
    let done = false;

    const write = (text: string) => {
      // Nothing but resume()'s few messages is written while stalled: if its state stalls the stream
      // again, the gap event after it still goes out.
      if (out.write(text) || stalled || out.writableLength <= limits.maxBufferedBytes) return;
      // write() returned false, so 'drain' will come once the client has taken everything.
      stalled = {
        skipped: 0,
        cleared: false,
        state: null,
        cutOff: setTimeout(cutOff, limits.stallCutoffMillis),
      };
      out.once('drain', resume);
    };
    const send = (event: ControlEvent) => write(`data: ${JSON.stringify(event)}\n\n`);

    const resume = () => {
      if (!stalled || done) return;
      const { skipped, cleared, state, cutOff: timer } = stalled;
      clearTimeout(timer);
      stalled = null;
      if (state) send({ type: 'state', state });
      if (skipped > 0) send({ type: 'log-gap', skipped });
      else if (cleared) send({ type: 'log-cleared' });
    };
    const cutOff = () => {
      if (!stalled || done) return;
      const skipped = stalled.skipped + pending.length;
      stop();
      const seconds = Math.round(limits.stallCutoffMillis / 1000);
      const reason = `The page read nothing for ${seconds} s; reconnect to get the current state and log.`;
      out.end(`data: ${JSON.stringify({ type: 'stream-end', skipped, reason } satisfies ControlEvent)}\n\n`);
      endTimer = setTimeout(() => out.destroy(), limits.endGraceMillis);
    };

    const flush = () => {
      flushTimer = null;
      if (pending.length === 0) return;
      const entries = pending;
      pending = [];
      if (stalled) stalled.skipped += entries.length;
      else send({ type: 'log', entries, total: session.log.total });
    };
    const onState = (state: SessionState) => {
      if (stalled) stalled.state = state;
      else send({ type: 'state', state });
    };
    const unsubscribeLog = session.log.subscribe((event) => {
      if (event.type === 'clear') {
        pending = [];
        if (!stalled) send({ type: 'log-cleared' });
        else {
          stalled.skipped = 0;
          stalled.cleared = true;
        }
        return;
      }
      if (stalled) {
        stalled.skipped++;
        return;
      }
      pending.push(event.entry);
      // The page keeps the newest LOG_CAPACITY entries: a longer batch would only be cut there.
      if (pending.length > 2 * LOG_CAPACITY) pending = pending.slice(-LOG_CAPACITY);
      flushTimer ??= setTimeout(flush, LOG_BATCH_MILLIS);
    });
    session.on('state', onState);
    // No heartbeat: the page is on 127.0.0.1, with no proxy between to time an idle stream out, and
    // a page that is gone closes its socket (the kernel does it even if it crashed). One that is
    // frozen costs nothing until something is written, and then the backpressure rules above apply.

    /** Stops listening to the session and every timer but the one that destroys an ended socket. */
    const stop = () => {
      if (done) return;
      done = true;
      session.off('state', onState);
      unsubscribeLog();
      if (flushTimer) clearTimeout(flushTimer);
      if (stalled) clearTimeout(stalled.cutOff);
      out.off('drain', resume);
    };
    out.on('close', () => {
      stop();
      if (endTimer) clearTimeout(endTimer);
    });
    request.raw.on('close', stop);

    send({ type: 'state', state: session.state });
    // The newest entries within the slow-reader bound; the page asks ROUTES.log for older ones.
    send({ type: 'log', ...logPage(session.log.list(), session.log.total, null) });
  });
}

function registerStaticUi(app: FastifyInstance, uiRoot: string): void {
  const files = loadStaticFiles(uiRoot);
  app.get(STATIC_ROUTE, async (request, reply) => {
    const path = new URL(request.url, 'http://control').pathname;
    const file = files.get(path === '/' ? '/index.html' : path);
    if (file) return reply.type(file.contentType).send(file.body);
    if (path === '/') return reply.type('text/html; charset=utf-8').send(MISSING_UI_PAGE);
    return reply.code(404).send({ error: `No such file: ${path}` });
  });
}
