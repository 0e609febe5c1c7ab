// Shared helpers for the mirror tests: build or start a mirror around a source, talk to it the way
// a client would (node:http with or without keep-alive, or raw bytes over net), and check error replies.
import assert from 'node:assert/strict';
import { type Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { AnswerLimits } from '../../server/mirror/answer-bounds';
import {
  createMirrorApp,
  type MirrorTimeouts,
  type RunningMirror,
  startMirror,
} from '../../server/mirror/listen';
import type { MirrorExchange } from '../../server/protocol/exchange';
import { API_KEY_HEADER } from '../../server/protocol/messages';
import type { RequestLog } from '../../server/session/request-log';
import type { TelemetrySource } from '../../server/telemetry/source';
import { createStandInSource } from './stand-in-source';

export const APP_INFO = { name: 'StackState Mirror Tray', version: '9.9.9-test' };
export const TEST_KEY = 'test-key-1';

interface MirrorSetup {
  source?: TelemetrySource;
  /** Defaults to a fixed key; pass a getter to change it mid-test. */
  apiKey?: () => string;
  /** The per-request deadline; the mirror's default when absent. */
  deadlineMillis?: number;
  /** A real request log that records every exchange too, as the session does (origin: tunnel). */
  log?: RequestLog;
  /** The answer ceiling and unsent budget (the mirror's defaults when absent). */
  answerLimits?: Partial<AnswerLimits>;
}

/** An app for `inject()`, with every exchange it reports. */
export function buildTestApp(setup: MirrorSetup = {}): { app: FastifyInstance; exchanges: MirrorExchange[] } {
  const exchanges: MirrorExchange[] = [];
  const source = setup.source ?? createStandInSource();
  const app = createMirrorApp({
    source: () => source,
    apiKey: setup.apiKey ?? (() => TEST_KEY),
    onExchange: (exchange) => exchanges.push(exchange),
    appInfo: APP_INFO,
  });
  return { app, exchanges };
}

/** A mirror listening on 127.0.0.1 with a free port, and every exchange it reports. */
export async function startTestMirror(
  setup: MirrorSetup & { port?: number; timeouts?: Partial<MirrorTimeouts> } = {},
): Promise<{ mirror: RunningMirror; exchanges: MirrorExchange[] }> {
  const exchanges: MirrorExchange[] = [];
  const source = setup.source ?? createStandInSource();
  const mirror = await startMirror({
    host: '127.0.0.1',
    port: setup.port ?? 0,
    source: () => source,
    apiKey: setup.apiKey ?? (() => TEST_KEY),
    onExchange: (exchange) => {
      exchanges.push(exchange);
      setup.log?.append(exchange, 'tunnel', exchange.remoteAddress);
    },
    appInfo: APP_INFO,
    ...(setup.timeouts ? { timeouts: setup.timeouts } : {}),
    ...(setup.deadlineMillis === undefined ? {} : { deadlineMillis: () => setup.deadlineMillis! }),
    ...(setup.answerLimits ? { answerLimits: setup.answerLimits } : {}),
  });
  return { mirror, exchanges };
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  /** Whether the agent sent this request on a connection an earlier request had used. */
  reusedSocket: boolean;
  json(): unknown;
}

/**
 * One request through node:http. The body is sent as given (a string) or as JSON (an object), and
 * no Content-Type is added unless the caller passes one: the mirror must not depend on it.
 */
export function send(
  port: number,
  options: {
    method?: string;
    path: string;
    body?: string | object;
    headers?: Record<string, string>;
    agent?: Agent;
    /** Send the body with Transfer-Encoding: chunked instead of a Content-Length. */
    chunked?: boolean;
  },
): Promise<HttpResult> {
  const body =
    options.body === undefined || typeof options.body === 'string'
      ? options.body
      : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path,
        headers: {
          ...options.headers,
          ...(body === undefined || options.chunked ? {} : { 'content-length': Buffer.byteLength(body) }),
        },
        ...(options.agent ? { agent: options.agent } : { agent: false }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            reusedSocket: req.reusedSocket,
            json: () => JSON.parse(text),
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Writes raw bytes to the port and returns everything the server sent until it closed the connection. */
export function sendRaw(port: number, bytes: string, timeoutMillis = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server did not close the connection within ${timeoutMillis} ms`));
    }, timeoutMillis);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.write(bytes);
  });
}

/** The key header, as a client reads it (node lower-cases header names). */
export const keyHeaderOf = (headers: IncomingHttpHeaders | Record<string, unknown>) =>
  headers[API_KEY_HEADER.toLowerCase()];

/** A RemoteMirrorError (or another protocol error object) with the key header and the expected status. */
export function assertMirrorError(
  reply: { status: number; headers: IncomingHttpHeaders | Record<string, unknown>; body: unknown },
  expected: { status: number; summary?: string | RegExp; type?: string; key?: string },
): Record<string, unknown> {
  assert.equal(reply.status, expected.status, `status (body: ${JSON.stringify(reply.body)})`);
  assert.equal(
    keyHeaderOf(reply.headers),
    expected.key ?? TEST_KEY,
    'the API key header is on the error reply',
  );
  assert.ok(typeof reply.body === 'object' && reply.body !== null, 'the error is a JSON object');
  const body = reply.body as Record<string, unknown>;
  assert.equal(body._type, expected.type ?? 'RemoteMirrorError');
  if (expected.summary instanceof RegExp) assert.match(String(body.summary), expected.summary);
  else if (expected.summary !== undefined) assert.equal(body.summary, expected.summary);
  assert.doesNotMatch(JSON.stringify(body), /\bat .+\.(ts|js):\d+/, 'no stack trace reaches the client');
  return body;
}

/** The `details` lines of a validation error, joined, for `assert.match`. */
export const detailsText = (body: Record<string, unknown>) =>
  Array.isArray(body.details) ? body.details.join('\n') : String(body.details);
