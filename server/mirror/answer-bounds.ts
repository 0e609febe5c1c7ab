// What one answer, and all answers together, may hold of the mirror's memory, and for how long.
// A client on the public URL chooses what it asks and whether it reads the answer: without these
// bounds, 200 clients asking for a large label and never reading pinned 1.4 GB until they left.
//
// - Field names and values: at most FIELD_LIMIT_DEFAULT a request (StackState sends Int.MaxValue
//   for "no limit"); the source sets isPartial when it had more.
// - One answer: at most `maxAnswerBytes`. A typed answer past it is cut, with isPartial (StackState
//   shows what came and asks on from there); an answer that cannot be cut (an upstream's bytes)
//   becomes a protocol error that says so, with the key header.
// - All answers not yet handed to the OS: at most `maxUnsentBytes`. Past it, a new answer becomes a
//   short 503 protocol error (StackState retries), until clients take what waits for them.
// - Each answer must be taken within `writeDeadlineMillis` of its first byte, or its connection is
//   destroyed and its bytes are let go.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  JSON_CONTENT_TYPE,
  type MirrorErrorBody,
  type RemoteMirrorError,
  remoteError,
} from '../protocol/messages';
import { TelemetryError } from '../telemetry/source';

export interface AnswerLimits {
  maxAnswerBytes: number;
  maxUnsentBytes: number;
  writeDeadlineMillis: number;
}

export const ANSWER_LIMITS: AnswerLimits = {
  maxAnswerBytes: 8 * 1024 * 1024,
  maxUnsentBytes: 64 * 1024 * 1024,
  writeDeadlineMillis: 30_000,
};

/** The most field names or values one answer lists, whatever `limit` the request says. */
export const FIELD_LIMIT_DEFAULT = 10_000;

/**
 * At most this many requests are answered at once when each could be large: each holds
 * 1/IN_PROGRESS_SHARE of the unsent budget until its answer's size is known (1 MiB of 64 MiB).
 */
const IN_PROGRESS_SHARE = 64;

/** An answer this small always goes, budget or not: a refusal is no smaller. */
const ALWAYS_SENT_BYTES = 4096;

/** A string of at most this many UTF-16 units is at most ALWAYS_SENT_BYTES in UTF-8 (3 bytes a unit at most). */
const ALWAYS_SENT_CHARS = Math.floor(ALWAYS_SENT_BYTES / 3);

const MiB = (bytes: number) => `${Math.round((bytes / 1024 / 1024) * 10) / 10} MiB`;

const answerTooLarge = (bytes: number, limit: number) =>
  remoteError(
    'Answer too large.',
    `The answer would be ${MiB(bytes)}; the mirror sends at most ${MiB(limit)}. Ask for less: a smaller limit, a shorter time window, or narrower conditions.`,
  );

/** A refusal that says what the mirror holds: answers being made, and bytes waiting for clients. */
const mirrorBusy = (making: number, waitingBytes: number) =>
  remoteError(
    'The mirror is busy.',
    `It is making ${making} answer${making === 1 ? '' : 's'} while ${MiB(waitingBytes)} of answers wait for clients to take them: all it holds at once. Try again in a few seconds.`,
  );

/** A list the protocol lets the mirror cut, with the answer's isPartial beside it. */
type Cuttable =
  | { fields: unknown[]; isPartial: boolean }
  | { values: unknown[]; isPartial: boolean }
  | { telemetry: { points: unknown[]; isPartial: boolean } };

/**
 * `answer` serialised within `maxBytes`: as it is when it fits, else with its list (fields, values
 * or points) cut to its first items and isPartial set, as the protocol allows. The earliest items
 * are kept, so StackState's follow-up request goes on from the last one.
 */
export function fitAnswer(answer: unknown, maxBytes: number): Buffer {
  let bytes = Buffer.from(JSON.stringify(answer));
  const list = cuttableList(answer);
  if (bytes.length <= maxBytes || !list) return bytes;
  let keep = list.items.length;
  // Items differ in size: shrink by the measured ratio, with a margin, until it fits (a few rounds).
  while (bytes.length > maxBytes && keep > 0) {
    keep = Math.min(keep - 1, Math.floor(keep * (maxBytes / bytes.length) * 0.95));
    bytes = Buffer.from(JSON.stringify(list.cut(Math.max(keep, 0))));
  }
  return bytes;
}

function cuttableList(answer: unknown): { items: unknown[]; cut: (keep: number) => unknown } | null {
  if (typeof answer !== 'object' || answer === null) return null;
  const shaped = answer as Partial<Record<'fields' | 'values', unknown>> & { telemetry?: unknown };
  for (const name of ['fields', 'values'] as const) {
    const items = shaped[name];
    if (Array.isArray(items)) {
      return { items, cut: (keep) => ({ ...shaped, [name]: items.slice(0, keep), isPartial: true }) };
    }
  }
  const telemetry = shaped.telemetry as Extract<Cuttable, { telemetry: unknown }>['telemetry'] | undefined;
  if (telemetry && Array.isArray(telemetry.points)) {
    const points = telemetry.points;
    return {
      items: points,
      cut: (keep) => ({
        ...shaped,
        telemetry: { ...telemetry, points: points.slice(0, keep), isPartial: true },
      }),
    };
  }
  return null;
}

/** What the mirror's routes and hooks hear from the bounds. */
export interface AnswerBoundsHooks {
  /** An answer replaced by an error (for the request log). */
  refused(request: FastifyRequest, error: MirrorErrorBody): void;
  /** The answer exactly as it goes to the socket (a short string stays a string: it was never encoded). */
  sent(request: FastifyRequest, payload: string | Buffer): void;
}

/** The unsent-bytes budget, for a route about to make an answer that could be large. */
export interface AnswerBudget {
  /**
   * Holds a share of the budget while an answer is made, or throws "The mirror is busy." (503) when
   * the budget could not take one more: a flood of requests for large answers costs a refusal each,
   * not an answer computed and thrown away. Call the returned function once the answer is made.
   */
  reserve(): () => void;
}

/**
 * Holds every answer the app sends to `limits`: the byte ceiling (for what was not cut before),
 * the budget of bytes not yet handed to the OS, and the write deadline. One onSend hook does it all
 * and then hands the payload to `hooks.sent`: each hook is a step of every request's path.
 */
export function installAnswerBounds(
  app: FastifyInstance,
  limits: AnswerLimits,
  hooks: AnswerBoundsHooks,
): AnswerBudget {
  /** Bytes of answers handed to fastify and not yet to the OS. */
  let waiting = 0;
  /** Answers being made, each holding `inProgress` of the budget until its size is known. */
  let making = 0;
  const inProgress = Math.max(1, Math.floor(limits.maxUnsentBytes / IN_PROGRESS_SHARE));
  const held = () => waiting + making * inProgress;
  const reserve = () => {
    // Within one largest answer of the budget, a new answer would most likely be refused once made.
    if (held() + inProgress > limits.maxUnsentBytes - limits.maxAnswerBytes) {
      throw new TelemetryError(mirrorBusy(making, waiting), 503);
    }
    making++;
    let holding = true;
    return () => {
      if (holding) making--;
      holding = false;
    };
  };
  app.addHook('onSend', (request, reply, payload, done) => {
    // A short string is within ALWAYS_SENT_BYTES whatever its characters: it goes as it is, one
    // write with the headers, no encoding, no timer, no listener (every Test Connection).
    if (typeof payload === 'string' && payload.length <= ALWAYS_SENT_CHARS) {
      hooks.sent(request, payload);
      return done(null, payload);
    }
    let bytes = payloadBytes(payload);
    if (bytes === null) return done(null, payload);
    const refuse = (status: number, error: RemoteMirrorError) => {
      hooks.refused(request, error);
      reply.code(status).type(JSON_CONTENT_TYPE);
      bytes = Buffer.from(JSON.stringify(error));
    };
    if (bytes.length > limits.maxAnswerBytes)
      refuse(500, answerTooLarge(bytes.length, limits.maxAnswerBytes));
    if (bytes.length > ALWAYS_SENT_BYTES && held() + bytes.length > limits.maxUnsentBytes) {
      refuse(503, mirrorBusy(making, waiting));
    }
    hooks.sent(request, bytes);
    // A small answer goes to the kernel's socket buffer as it is written: it holds nothing of ours
    // that a deadline would free, so it costs no timer and no listeners.
    if (bytes.length <= ALWAYS_SENT_BYTES) return done(null, bytes);
    const size = bytes.length;
    waiting += size;
    holdUntilTaken(reply, limits.writeDeadlineMillis, () => {
      waiting -= size;
    });
    done(null, bytes);
  });
  return { reserve };
}

/** Calls `release` once the answer is handed to the OS or its connection is gone; cuts it off at the deadline. */
function holdUntilTaken(reply: FastifyReply, deadlineMillis: number, release: () => void): void {
  const response = reply.raw;
  // Destroying the socket frees the answer's bytes and whatever else the connection holds.
  const timer = setTimeout(() => response.destroy(), deadlineMillis);
  const settle = () => {
    clearTimeout(timer);
    response.off('finish', settle);
    response.off('close', settle);
    release();
  };
  response.once('finish', settle);
  response.once('close', settle);
}

/** A sent payload as bytes: fastify hands onSend a string (serialised), a Buffer (pass-through, a kept answer) or nothing. */
function payloadBytes(payload: unknown): Buffer | null {
  if (typeof payload === 'string') return Buffer.from(payload);
  if (Buffer.isBuffer(payload)) return payload;
  return null;
}
