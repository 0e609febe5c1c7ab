// What the mirror learns about each request while serving it (a draft on the request), and the
// MirrorExchange reported once the answer is out: the request as received, the answer as sent (the
// same bytes that went to the socket), its status, count, error and findings. The mirror knows
// nothing of the log: the session is the listener.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ExchangeFinding, ExchangeListener, MirrorExchange } from '../protocol/exchange';
import type { Operation } from '../protocol/messages';

const NO_BYTES = Buffer.alloc(0);

/** What the mirror learns about a request while serving it; reported once the response is sent. */
export interface ExchangeDraft {
  startedAt: number;
  operation: Operation | null;
  requestBody: unknown;
  /** The body as StackState sent it: what a pass-through source forwards. */
  rawBody: string;
  responseIsJson: boolean;
  /** The response body exactly as sent (the serialised payload as it went out; see answer-bounds.ts). */
  rawResponse: Buffer | string;
  resultCount: number | null;
  error?: string;
  findings: ExchangeFinding[];
}

declare module 'fastify' {
  interface FastifyRequest {
    /** What the mirror routes learn about this request while serving it (plugin.ts). */
    mirrorDraft: ExchangeDraft | null;
  }
}

/** A source cannot make an exchange's record large: past this many findings, the rest are dropped. */
export const MAX_FINDINGS = 20;

/** Gives every request a draft; returns how to find (or start) a request's draft. */
export function installExchangeDrafts(app: FastifyInstance): (request: FastifyRequest) => ExchangeDraft {
  // A decorated field rather than a WeakMap keyed by request: fastify gives every request the
  // field from the start (one shape), and a WeakMap entry per request is work for the GC.
  app.decorateRequest('mirrorDraft', null);
  return (request: FastifyRequest): ExchangeDraft => {
    let draft = request.mirrorDraft;
    if (!draft) {
      draft = {
        startedAt: Date.now(),
        operation: null,
        requestBody: '',
        rawBody: '',
        responseIsJson: false,
        rawResponse: NO_BYTES,
        resultCount: null,
        error: undefined,
        findings: [],
      };
      request.mirrorDraft = draft;
    }
    return draft;
  };
}

/** Reports each exchange to `listener` once its answer is out; a failing listener never takes the mirror down. */
export function reportExchanges(
  app: FastifyInstance,
  draftOf: (request: FastifyRequest) => ExchangeDraft,
  listener: ExchangeListener,
): void {
  // The answer as sent was put on the draft by the bounds' onSend hook (answer-bounds.ts): the same
  // bytes went to the socket and go to the log.
  app.addHook('onResponse', (request, reply, done) => {
    const draft = draftOf(request);
    const exchange: MirrorExchange = {
      startedAt: draft.startedAt,
      durationMillis: reply.elapsedTime,
      operation: draft.operation,
      method: request.method,
      url: request.url,
      status: reply.statusCode,
      requestBody: draft.requestBody,
      responseIsJson: draft.responseIsJson,
      rawRequest: draft.rawBody,
      rawResponse: draft.rawResponse,
      responseHeaders: reply.raw.getHeaders(),
      resultCount: draft.resultCount,
      // One shape for every exchange (absent fields undefined): the log reads each one.
      error: draft.error,
      findings: draft.findings.length === 0 ? undefined : draft.findings,
      localPort: request.socket.localPort ?? 0,
      remoteAddress: request.socket.remoteAddress ?? '',
      headers: request.headers,
    };
    try {
      listener(exchange);
    } catch (error) {
      // The response is already out; a failing listener must not take the mirror down.
      process.emitWarning(`mirror exchange listener failed: ${(error as Error).message}`);
    }
    done();
  });
}
