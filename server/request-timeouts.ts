// The headers and request time-outs of an HTTP server (a client that trickles a request in, one byte
// at a time, is cut off), checked only while a connection is open and not being answered.
//
// Node enforces the same time-outs with a check that runs every `connectionsCheckingInterval` from
// listen() to close(), connections or not: an idle app wakes up every second for nothing. Here Node's
// own check is turned off (NODE_TIMEOUTS_OFF) and this one runs at the same pace, but stops once every
// open connection is either gone or being answered (the window's event stream, a slow operation),
// and starts again with the next connection or the next idle keep-alive one.
//
// Node times a request from its first byte. Its parser does not tell us when that byte came, so a
// kept-alive connection's next request is taken to start at the first check that sees new bytes on
// its socket (socket.bytesRead): at most one check late, as Node's own check is at most one late.
// The first request on a connection is timed from the connection, as Node does. One difference:
// bytes of the next request that came before the last answer went out (pipelining) are not seen
// as new, so its clock starts with its next byte; until then the keep-alive time-out applies.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface RequestTimeoutLimits {
  /** Time from a request's first byte to its last header; 0 for none. */
  headersTimeout: number;
  /** Time from a request's first byte to its last body byte; 0 for none. */
  requestTimeout: number;
  /** How often requests on their way in are checked (only while there are some). */
  checkMillis: number;
}

/** The largest delay a Node timer takes (a larger one fires at once). */
const LONGEST_TIMER_MILLIS = 2 ** 31 - 1;

/**
 * Options for http.createServer (and fastify's `http`) that switch Node's own time-out check off:
 * with both time-outs 0 it checks nothing, and it wakes up only every 24.8 days to find that out.
 */
export const NODE_TIMEOUTS_OFF = {
  headersTimeout: 0,
  requestTimeout: 0,
  connectionsCheckingInterval: LONGEST_TIMER_MILLIS,
} as const;

/** What is known of one open connection. */
interface Connection {
  /** When the request now arriving began; null while none is (kept alive, or being answered). */
  since: number | null;
  /** The request whose headers arrived and that has not been answered yet. */
  request: IncomingMessage | null;
  /** socket.bytesRead when its last answer was sent: more means the next request has begun. */
  bytesWhenAnswered: number;
}

/** The error Node reports for a request that took too long to arrive (fastify and edge-answers know it). */
function requestTimeoutError(): Error & { code: string } {
  return Object.assign(new Error('Request timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
}

/**
 * Enforces `limits` on `server`, which must have been created with NODE_TIMEOUTS_OFF (and be given
 * its 'checkExpectation' listener, if any, before this is called). A request that
 * is late gets the same 'clientError' Node would emit (the listener answers 408); without a listener
 * the socket is destroyed, as Node does.
 */
export function enforceRequestTimeouts(server: Server, limits: RequestTimeoutLimits): void {
  const connections = new Map<Socket, Connection>();
  let timer: NodeJS.Timeout | null = null;

  /** True while the connection's next check could cut it off or tell that a request began. */
  const needsChecks = (connection: Connection) => connection.request === null || !connection.request.complete;

  const check = () => {
    const now = Date.now();
    let needed = false;
    for (const [socket, connection] of connections) {
      if (connection.since === null && connection.request === null) {
        if (socket.bytesRead > connection.bytesWhenAnswered) connection.since = now;
        needed = true;
      } else if (connection.since !== null && isLate(connection, connection.since, now, limits)) {
        connections.delete(socket);
        if (!server.emit('clientError', requestTimeoutError(), socket)) socket.destroy();
      } else {
        needed ||= needsChecks(connection);
      }
    }
    if (!needed) stopChecks();
  };
  const startChecks = () => {
    timer ??= setInterval(check, limits.checkMillis).unref();
  };
  const stopChecks = () => {
    if (timer) clearInterval(timer);
    timer = null;
  };

  if (limits.headersTimeout <= 0 && limits.requestTimeout <= 0) return;
  server.on('connection', (socket: Socket) => {
    connections.set(socket, { since: Date.now(), request: null, bytesWhenAnswered: 0 });
    socket.once('close', () => connections.delete(socket));
    startChecks();
  });
  // One listener for every answer (no closure a request): the connection waits for the next request.
  function onAnswered(this: ServerResponse) {
    const connection = connections.get(this.req.socket);
    if (!connection || connection.request !== this.req) return;
    connection.request = null;
    connection.since = null;
    connection.bytesWhenAnswered = this.req.socket.bytesRead;
    startChecks();
  }
  const onRequest = (request: IncomingMessage, response: ServerResponse) => {
    const connection = connections.get(request.socket);
    if (!connection) return;
    connection.request = request;
    // The whole request came between two checks: its time starts now.
    connection.since ??= Date.now();
    response.on('finish', onAnswered);
  };
  server.on('request', onRequest);
  // A request with an unknown `Expect` goes to this event instead, when someone listens to it (the
  // mirror's edge answers); adding the first listener here would stop Node's own 417 answer.
  if (server.listenerCount('checkExpectation') > 0) server.on('checkExpectation', onRequest);
  server.on('close', stopChecks);
}

function isLate(connection: Connection, since: number, now: number, limits: RequestTimeoutLimits): boolean {
  const age = now - since;
  const headersLate =
    connection.request === null && limits.headersTimeout > 0 && age >= limits.headersTimeout;
  const requestLate =
    limits.requestTimeout > 0 && age >= limits.requestTimeout && !(connection.request?.complete ?? false);
  return headersLate || requestLate;
}
