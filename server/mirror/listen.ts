// Builds the mirror's fastify app and binds it twice: once where StackState (or curl on this
// machine) reaches it, and once on a tunnel-only loopback port that nothing but the tunnel
// forwards to. Both listeners share one app, so `exchange.localPort` tells tunnel traffic apart.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { enforceRequestTimeouts, NODE_TIMEOUTS_OFF } from '../request-timeouts';
import { answerClientError, answerMalformedUrl, installEdgeAnswers } from './edge-answers';
import { MAX_BODY_BYTES } from './errors';
import { type MirrorOptions, registerMirrorRoutes } from './plugin';

export const MIRROR_TIMEOUTS = {
  /** Idle socket limit; above keepAliveTimeout so that it never cuts a kept-alive connection short. */
  connectionTimeout: 75_000,
  /** Longer than the 60 s idle timeout of common proxies and clients, so the client side closes first. */
  keepAliveTimeout: 65_000,
  /** Time to receive a whole request: StackState's bodies are small. */
  requestTimeout: 30_000,
  /** Time to receive the headers; at most the request time-out. */
  headersTimeout: 20_000,
  /**
   * How often requests on their way in are checked against the two time-outs above, only while a
   * connection is open (request-timeouts.ts). Node's default pace (30 s) would let a request that
   * trickles in live up to twice its time-out; a check a second keeps it near the configured 30 s.
   */
  timeoutCheckMillis: 1000,
} as const;

export type MirrorTimeouts = { [K in keyof typeof MIRROR_TIMEOUTS]: number };

/** Node's server options for both listeners. */
const HTTP_OPTIONS = {
  // Node's own check of the time-outs would wake the idle app every second: see request-timeouts.ts.
  ...NODE_TIMEOUTS_OFF,
  // A request without Host is answered by the mirror (a protocol error with the key header), not by Node.
  requireHostHeader: false,
};

/** Cuts off requests that take too long to arrive, on either listener. */
const enforceTimeouts = (server: Server, timeouts: MirrorTimeouts) =>
  enforceRequestTimeouts(server, {
    headersTimeout: timeouts.headersTimeout,
    requestTimeout: timeouts.requestTimeout,
    checkMillis: timeouts.timeoutCheckMillis,
  });

/** How long close() lets in-flight requests finish before it cuts every connection. */
const CLOSE_GRACE_MILLIS = 1500;

/** The loopback address of the tunnel-only listener. */
export const TUNNEL_HOST = '127.0.0.1';

export function createMirrorApp(
  options: MirrorOptions,
  timeouts: MirrorTimeouts = MIRROR_TIMEOUTS,
): FastifyInstance {
  const app = Fastify({
    logger: false,
    connectionTimeout: timeouts.connectionTimeout,
    keepAliveTimeout: timeouts.keepAliveTimeout,
    // Node's own; see HTTP_OPTIONS.
    requestTimeout: 0,
    http: HTTP_OPTIONS,
    bodyLimit: MAX_BODY_BYTES,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    clientErrorHandler: answerClientError(options),
    // A URL the router cannot decode (e.g. `/api/%zz`) never reaches the hooks: answer it here.
    frameworkErrors: (_error, request, reply) => answerMalformedUrl(options, request.raw, reply.raw),
  });
  installEdgeAnswers(app.server, options, false);
  enforceTimeouts(app.server, timeouts);
  registerMirrorRoutes(app, options);
  return app;
}

export interface StartMirrorOptions extends MirrorOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Shorter time-outs for tests; MIRROR_TIMEOUTS otherwise. */
  timeouts?: Partial<MirrorTimeouts>;
}

export interface RunningMirror {
  app: FastifyInstance;
  host: string;
  port: number;
  /** For curl on this machine, e.g. http://127.0.0.1:7007/ */
  localUrl: string;
  /** The tunnel-only listener on 127.0.0.1: the only port the tunnel may forward to. */
  tunnelPort: number;
  /** Closes both listeners, idle keep-alive connections included. Safe to call twice. */
  close(): Promise<void>;
}

/** A listen failure with a stable code (EADDRINUSE, EACCES, EADDRNOTAVAIL …) and a sentence that says what to do. */
export class MirrorListenError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'MirrorListenError';
  }
}

export async function startMirror(options: StartMirrorOptions): Promise<RunningMirror> {
  const { host, port } = options;
  const timeouts = { ...MIRROR_TIMEOUTS, ...options.timeouts };
  const app = createMirrorApp(options, timeouts);
  try {
    await app.listen({ host, port });
  } catch (error) {
    await app.close();
    throw describeListenError(error, host, port);
  }

  const tunnelServer = createServer(HTTP_OPTIONS, app.routing);
  tunnelServer.keepAliveTimeout = timeouts.keepAliveTimeout;
  tunnelServer.setTimeout(timeouts.connectionTimeout);
  installEdgeAnswers(tunnelServer, options, true);
  enforceTimeouts(tunnelServer, timeouts);
  try {
    await listen(tunnelServer, TUNNEL_HOST, 0);
  } catch (error) {
    await app.close();
    throw describeListenError(error, TUNNEL_HOST, 0);
  }

  const boundPort = (app.server.address() as AddressInfo).port;
  let closing: Promise<void> | null = null;
  return {
    app,
    host,
    port: boundPort,
    localUrl: `http://${urlHost(host)}:${boundPort}/`,
    tunnelPort: (tunnelServer.address() as AddressInfo).port,
    close: () => {
      closing ??= closeAll(app, tunnelServer);
      return closing;
    },
  };
}

async function closeAll(app: FastifyInstance, tunnelServer: Server): Promise<void> {
  // Idle keep-alive sockets are closed at once; a request still in flight gets a short grace period.
  const cutOff = setTimeout(() => {
    app.server.closeAllConnections();
    tunnelServer.closeAllConnections();
  }, CLOSE_GRACE_MILLIS);
  try {
    await Promise.all([
      app.close(),
      // server.close() also closes idle keep-alive connections (Node ≥ 19).
      new Promise<void>((resolve) => tunnelServer.close(() => resolve())),
    ]);
  } finally {
    clearTimeout(cutOff);
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function describeListenError(error: unknown, host: string, port: number): Error {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'EADDRINUSE':
      return new MirrorListenError(
        code,
        `Port ${port} is already in use (by another mirror, such as the tutorial's Python sample?). Choose another port in Settings or with --port <n> (0 picks any free port).`,
        { cause: error },
      );
    case 'EACCES':
      return new MirrorListenError(
        code,
        `Port ${port} needs administrator rights here. Choose a port above 1023 with --port <n> (or 0 for any free port).`,
        { cause: error },
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new MirrorListenError(
        code,
        `${host} is not an address of this machine. Use 127.0.0.1 (this machine only) or 0.0.0.0 (every network).`,
        { cause: error },
      );
    default:
      return error instanceof Error ? error : new Error(String(error));
  }
}

/** The host for a URL that works from this machine: a wildcard bind is reached through loopback. */
function urlHost(host: string): string {
  if (host === '' || host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
