// Answers for requests that never reach fastify's routes: bytes Node cannot parse, a header
// that is too large, a request that takes too long to arrive, CONNECT, an unknown `Expect`, a URL
// the router cannot decode. Node would answer these itself, bare (no key header, no JSON) or not
// at all. Here each gets a protocol error object with the key header, where the socket still
// allows an answer, and is reported like any other exchange, so it shows in the request log.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { ExchangeListener } from '../protocol/exchange';
import { API_KEY_HEADER, JSON_CONTENT_TYPE, type RemoteMirrorError, remoteError } from '../protocol/messages';
import { oneLine } from '../protocol/summary';

export interface EdgeOptions {
  apiKey: () => string;
  onExchange?: ExchangeListener | undefined;
}

interface EdgeAnswer {
  status: number;
  reason: string;
  body: RemoteMirrorError;
}

/** What Node's parser reported, as the status and error object the client gets. */
export function clientErrorAnswer(code: string | undefined, message: string): EdgeAnswer {
  switch (code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        reason: 'Request Timeout',
        body: remoteError('Request timed out.', 'The whole request did not arrive in time.'),
      };
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        reason: 'Request Header Fields Too Large',
        body: remoteError('Request headers too large.', 'The request headers exceed 16 KiB.'),
      };
    default:
      return {
        status: 400,
        reason: 'Bad Request',
        body: remoteError('Malformed HTTP request.', code ?? message),
      };
  }
}

/** Node's 'clientError': a request it could not parse. The socket is closed after the answer. */
export function answerClientError(options: EdgeOptions) {
  return (error: Error & { code?: string }, socket: Duplex): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const startedAt = Date.now();
    const answer = clientErrorAnswer(error.code, error.message);
    const net = socket as Partial<Socket>;
    writeRaw(socket, answer, options.apiKey());
    report(options, {
      startedAt,
      method: '?',
      url: '(request not readable)',
      answer,
      localPort: net.localPort ?? 0,
      remoteAddress: net.remoteAddress ?? '',
      headers: {},
    });
  };
}

/** CONNECT asks the mirror to be a proxy: Node would drop the socket without a word. */
export function answerConnect(options: EdgeOptions) {
  return (request: IncomingMessage, socket: Duplex): void => {
    const answer: EdgeAnswer = {
      status: 405,
      reason: 'Method Not Allowed',
      body: remoteError(
        'Method CONNECT is not allowed.',
        'This is a StackState mirror, not a proxy: its operations are called with POST.',
      ),
    };
    writeRaw(socket, answer, options.apiKey(), 'Allow: POST\r\n');
    reportRequest(options, request, answer);
  };
}

/** An `Expect` other than 100-continue: Node would answer a bare 417. */
export function answerExpectation(options: EdgeOptions) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    const expectation = String(request.headers.expect ?? '').slice(0, 100);
    const answer: EdgeAnswer = {
      status: 417,
      reason: 'Expectation Failed',
      body: remoteError('Expectation failed.', `The mirror cannot meet "Expect: ${expectation}".`),
    };
    writeResponse(response, answer.status, answer.body, options.apiKey());
    reportRequest(options, request, answer);
  };
}

/** A URL the router cannot decode (`/api/%zz`): fastify reports it before any hook runs. */
export function answerMalformedUrl(options: EdgeOptions, request: IncomingMessage, response: ServerResponse) {
  const answer: EdgeAnswer = {
    status: 400,
    reason: 'Bad Request',
    body: remoteError('Malformed URL.', 'The path is not valid percent-encoding.'),
  };
  writeResponse(response, answer.status, answer.body, options.apiKey());
  reportRequest(options, request, answer);
}

/** Adds the edge answers to a listener; `clientError` too where fastify does not add it itself. */
export function installEdgeAnswers(server: Server, options: EdgeOptions, withClientError: boolean): void {
  server.on('connect', answerConnect(options));
  server.on('checkExpectation', answerExpectation(options));
  if (withClientError) server.on('clientError', answerClientError(options));
}

function writeResponse(response: ServerResponse, status: number, body: RemoteMirrorError, apiKey: string) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    [API_KEY_HEADER]: headerSafe(apiKey),
  });
  response.end(text);
}

/** For sockets that have no ServerResponse: the answer is written by hand, then the socket closed. */
function writeRaw(socket: Duplex, answer: EdgeAnswer, apiKey: string, extraHeaders = ''): void {
  const text = JSON.stringify(answer.body);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${answer.status} ${answer.reason}\r\n` +
        `Content-Type: ${JSON_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\n` +
        `${API_KEY_HEADER}: ${headerSafe(apiKey)}\r\n` +
        extraHeaders +
        'Connection: close\r\n\r\n' +
        text,
    );
  }
  // end() lets the answer out before the socket closes (destroy() could drop it); a client that
  // never closes its side is cut off shortly after.
  socket.end();
  setTimeout(() => socket.destroy(), 1000).unref();
}

function reportRequest(options: EdgeOptions, request: IncomingMessage, answer: EdgeAnswer): void {
  report(options, {
    startedAt: Date.now(),
    method: request.method ?? '?',
    url: request.url ?? '',
    answer,
    localPort: request.socket.localPort ?? 0,
    remoteAddress: request.socket.remoteAddress ?? '',
    headers: request.headers,
  });
}

function report(
  options: EdgeOptions,
  facts: {
    startedAt: number;
    method: string;
    url: string;
    answer: EdgeAnswer;
    localPort: number;
    remoteAddress: string;
    headers: IncomingMessage['headers'];
  },
): void {
  const { answer } = facts;
  try {
    options.onExchange?.({
      startedAt: facts.startedAt,
      durationMillis: 0,
      operation: null,
      method: facts.method,
      url: facts.url,
      status: answer.status,
      requestBody: '',
      responseIsJson: true,
      rawRequest: '',
      rawResponse: Buffer.from(JSON.stringify(answer.body)),
      responseHeaders: {
        'content-type': JSON_CONTENT_TYPE,
        [API_KEY_HEADER.toLowerCase()]: headerSafe(options.apiKey()),
      },
      summary: oneLine(`${facts.method} ${facts.url}`),
      resultCount: null,
      error: `${answer.body._type}: ${answer.body.summary}`,
      localPort: facts.localPort,
      remoteAddress: facts.remoteAddress,
      headers: facts.headers,
    });
  } catch (error) {
    process.emitWarning(`mirror exchange listener failed: ${(error as Error).message}`);
  }
}

/** A raw header line must not be split by a stray CR/LF in the configured key. */
export const headerSafe = (value: string) => value.replace(/[\r\n]/g, '');
