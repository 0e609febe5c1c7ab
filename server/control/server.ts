// The control API: the UI's only way into the session. Loopback only, on its own port (the tunnel
// never forwards to it), behind a per-launch token. See contract.ts for the routes and messages.

import { Type } from '@sinclair/typebox';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { MirrorSession } from '../session';
import { ActionError } from '../session';
import type { CleanupOptions, ControlEvent, IncidentRequest, LogEntry, SettingsPatch } from './contract';
import { ROUTES } from './contract';
import { checkControlRequest, createControlToken } from './guard';
import { CleanupOptionsSchema, IncidentRequestSchema, SettingsPatchSchema } from './schemas';
import { loadStaticFiles, MISSING_UI_PAGE } from './static-files';

/** Log entries reach the page in batches at most this often, so a busy mirror cannot flood it. */
export const LOG_BATCH_MILLIS = 100;
const HEARTBEAT_MILLIS = 15_000;
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
    // Refuse what the schemas do not name, instead of silently dropping it.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
  });
  let port = 0;

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
  registerEventStream(app, options.session);
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
  app.get(ROUTES.log, async () => session.log.list());
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
  app.post(ROUTES.regenerateApiKey, async () => session.regenerateApiKey());
  app.post(ROUTES.incidents, { schema: { body: IncidentRequestSchema } }, async (request) =>
    session.startIncident(request.body as IncidentRequest),
  );
  app.delete(ROUTES.incidents, async () => session.endIncidents());
  app.post(ROUTES.selfTest, async () => session.selfTest());
  app.post(`${ROUTES.replay}/:id`, async (request) => {
    const id = Number((request.params as { id: string }).id);
    if (!Number.isInteger(id)) throw new ActionError('the replay id must be a number');
    return session.replay(id);
  });
}

/** One stream carries state changes at once and log entries in batches; it starts with a full snapshot. */
function registerEventStream(app: FastifyInstance, session: MirrorSession): void {
  app.get(ROUTES.events, (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, {
      ...SECURITY_HEADERS,
      'content-type': 'text/event-stream; charset=utf-8',
      connection: 'keep-alive',
    });
    const send = (event: ControlEvent) => out.write(`data: ${JSON.stringify(event)}\n\n`);
    send({ type: 'state', state: session.state });
    send({ type: 'log', entries: session.log.list() });

    let pending: LogEntry[] = [];
    let flushTimer: NodeJS.Timeout | null = null;
    const flush = () => {
      flushTimer = null;
      if (pending.length === 0) return;
      send({ type: 'log', entries: pending });
      pending = [];
    };
    const onState = (state: typeof session.state) => send({ type: 'state', state });
    const unsubscribeLog = session.log.subscribe((event) => {
      if (event.type === 'clear') {
        pending = [];
        send({ type: 'log-cleared' });
        return;
      }
      pending.push(event.entry);
      flushTimer ??= setTimeout(flush, LOG_BATCH_MILLIS);
    });
    session.on('state', onState);
    const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MILLIS);
    request.raw.on('close', () => {
      session.off('state', onState);
      unsubscribeLog();
      clearInterval(heartbeat);
      if (flushTimer) clearTimeout(flushTimer);
    });
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
