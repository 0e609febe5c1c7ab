// Every failure the mirror answers becomes one of the protocol's error objects (mirror-api.md §6),
// with a status code and, always, the API-key header. The mirror's own failures (bad requests,
// unknown paths) are TelemetryErrors too, so one function maps any thrown value to a reply.
import type { TSchema } from '@sinclair/typebox';
import { compileBodyCheck } from '../protocol/body-check';
import { type MirrorErrorBody, OPERATIONS, remoteError } from '../protocol/messages';
import { remoteMirrorError, TelemetryError } from '../telemetry/source';

/** Bodies above this answer 413: StackState's requests are a few hundred bytes. */
export const MAX_BODY_BYTES = 1024 * 1024;

const VALID_OPERATIONS = Object.values(OPERATIONS)
  .map(({ path }) => `POST ${path}`)
  .join(', ');

// Bad requests answer 500, as the reference mirror S3 does and §6 recommends: StackState was tested with that.
export const validationFailed = (details: string[]) =>
  new TelemetryError(remoteError('Request validation errors.', details), 500);

/** The validator fastify wants from a schema compiler: the protocol's body check, its problems as a protocol error. */
export function compileBodyValidator(
  schema: TSchema,
): (body: unknown) => { value: unknown } | { error: Error } {
  const check = compileBodyCheck(schema);
  return (body) => {
    const result = check(body);
    return 'value' in result ? result : { error: validationFailed(result.problems) };
  };
}

export const malformedJson = (reason: string) =>
  new TelemetryError(remoteError('Malformed JSON body.', `The body is not valid JSON: ${reason}`), 500);

export const tooDeep = (limit: number) =>
  validationFailed([`body: arrays and objects nest deeper than ${limit} levels`]);

export const missingHost = () =>
  new TelemetryError(
    remoteError('Missing Host header.', 'An HTTP/1.1 request must name the host it is for in a Host header.'),
    400,
  );

export const notFound = (method: string, url: string) =>
  new TelemetryError(
    remoteError(`Unknown path: ${method} ${url}`, `The mirror answers ${VALID_OPERATIONS}.`),
    404,
  );

export const methodNotAllowed = (method: string, path: string) =>
  new TelemetryError(
    remoteError(
      `Method ${method} is not allowed on ${path}.`,
      `Mirror operations are called with POST: ${VALID_OPERATIONS}.`,
    ),
    405,
  );

export const bodyTooLarge = () =>
  new TelemetryError(
    remoteError(
      'Request body too large.',
      `The mirror accepts bodies up to ${MAX_BODY_BYTES / 1024 / 1024} MiB.`,
    ),
    413,
  );

/** Maps anything a route, hook or parser threw to the status and body the client gets. Never leaks a stack. */
export function toErrorReply(error: unknown): { status: number; body: MirrorErrorBody } {
  if (error instanceof TelemetryError) return { status: error.status, body: error.body };
  const { code, statusCode, message } = errorFacts(error);
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') return toErrorReply(bodyTooLarge());
  // Protocol-level faults fastify detects (e.g. a Content-Length that does not match the body) keep their 4xx.
  if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
    return { status: statusCode, body: remoteError('Bad request.', message) };
  }
  return { status: 500, body: remoteError('Unexpected error in the mirror.', message) };
}

/** `_type: summary` for the request log, e.g. `RemoteMirrorError: Request validation errors.` */
export function describeErrorBody(body: MirrorErrorBody): string {
  switch (body._type) {
    case 'RemoteMirrorError':
      return `${body._type}: ${body.summary}`;
    case 'MetricNotFoundError':
      return `${body._type}: ${body.metric}: ${body.details}`;
    case 'MetricStoreConnectionError':
      return `${body._type}: ${body.details}`;
    case 'UnsupportedFieldTypeError':
      return `${body._type}: ${body.mirrorType}`;
  }
}

function errorFacts(error: unknown): { code?: string; statusCode?: number; message: string } {
  if (!(error instanceof Error)) return { message: String(error) };
  const { code, statusCode } = error as Error & { code?: unknown; statusCode?: unknown };
  return {
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof statusCode === 'number' ? { statusCode } : {}),
  };
}

/** The upstream URL leads back to this mirror (or to another one forwarding here): refuse, do not recurse. */
export const forwardingLoop = () =>
  remoteMirrorError(
    'The upstream mirror URL leads back to this app.',
    'Set --upstream (My own mirror) to the address of your own mirror, not to this app.',
  );

/** The protocol's window is `[startTime, endTime)`: an inverted one is a client error, not an empty answer. */
export function assertTimeWindow(query: { startTime: number; endTime: number }): void {
  if (query.startTime > query.endTime) {
    throw validationFailed([
      `query.startTime: must not be after query.endTime (got startTime ${query.startTime}, endTime ${query.endTime})`,
    ]);
  }
}
