// How a source calls the server behind it (Prometheus, the user's own mirror): with the request's
// signal, so StackState hanging up or the deadline stops the call too; with a cap on what it reads;
// and with failures to reach it reported as the protocol's MetricStoreConnectionError, which names
// the address and the cause in plain words, never as a hang or an empty reply.
import { SlotPool } from './backend-slots';
import { whyUnreached } from './reach';
import { metricStoreConnectionError, type SourceContext, TelemetryError } from './source';

/** A backend answer larger than this is refused: the mirror answers StackState from memory. */
export const MAX_BACKEND_BODY_BYTES = 32 * 1024 * 1024;

export interface BackendAnswer {
  status: number;
  headers: Headers;
  body: Buffer;
}

/**
 * Backend calls under way at once, across the process. Each may hold up to MAX_BACKEND_BODY_BYTES,
 * and anyone who reaches the public URL can ask for as many at once as they like: the others wait
 * their turn (until their own deadline), so memory stays bounded whatever arrives. A call keeps its
 * slot until its answer is read and parsed, so the parse counts against the bound too.
 */
export const MAX_BACKEND_CALLS = 4;

/**
 * Test Connection's own slots: a readiness answer is small (CONNECTION_BODY_BYTES), so Test
 * Connection never waits behind slow metric queries, and a flood of it never delays them.
 */
export const MAX_CONNECTION_CALLS = 2;
/** The most a Test Connection call reads: readiness pages and `query=1` answers are tiny. */
export const CONNECTION_BODY_BYTES = 64 * 1024;

const lanes = {
  query: { slots: new SlotPool(MAX_BACKEND_CALLS), maxBytes: MAX_BACKEND_BODY_BYTES },
  connection: { slots: new SlotPool(MAX_CONNECTION_CALLS), maxBytes: CONNECTION_BODY_BYTES },
} as const;

export interface CallOptions {
  /** `connection` for Test Connection: its own slots and a small read cap. Default `query`. */
  lane?: keyof typeof lanes;
  /**
   * How long the call may take once it is sent (waiting for a slot does not count), and the error
   * it ends with then.
   */
  timeout?: { millis: number; error: () => unknown };
  /**
   * A check of the answer's bytes as they arrive (a fresh one per call): a problem it returns stops
   * the read there, and the call rejects with an AnswerRefused that carries it.
   */
  scan?: () => (chunk: Uint8Array) => string | null;
  /**
   * What an answer past the lane's cap means, given the cap in words ("64 KiB"): a sentence the
   * user can act on. Without it, the error says only that the answer was larger.
   */
  tooLarge?: (cap: string) => string;
}

/** An answer refused by its call's `scan` while it was read; `problem` says why. */
export class AnswerRefused extends Error {
  constructor(readonly problem: string) {
    super(problem);
  }
}

/**
 * One HTTP call to a backend (below), with `read` run on the answer while the call still holds its slot and its time-out, so
 * a large answer is parsed within the bound on calls under way. `read` gets the call's signal.
 */
export function callBackend<T>(
  url: URL,
  init: RequestInit,
  context: SourceContext,
  options: CallOptions,
  read: (answer: BackendAnswer, signal: AbortSignal) => Promise<T>,
): Promise<T>;
// Last, so that ReturnType<typeof callBackend> is the plain answer.
/** One HTTP call to a backend. Resolves with any status; rejects only when the backend was not reached. */
export function callBackend(
  url: URL,
  init: RequestInit,
  context: SourceContext,
  options?: CallOptions,
): Promise<BackendAnswer>;
export async function callBackend<T>(
  url: URL,
  init: RequestInit,
  context: SourceContext,
  options: CallOptions = {},
  read?: (answer: BackendAnswer, signal: AbortSignal) => Promise<T>,
): Promise<T | BackendAnswer> {
  const lane = lanes[options.lane ?? 'query'];
  await lane.slots.take(context.signal);
  const timer = new AbortController();
  const timeout = options.timeout;
  const clock = timeout ? setTimeout(() => timer.abort(timeout.error()), timeout.millis) : undefined;
  const signal = timeout ? AbortSignal.any([context.signal, timer.signal]) : context.signal;
  const work = (async () => {
    const answer = await callNow(url, init, signal, {
      maxBytes: lane.maxBytes,
      scan: options.scan?.(),
      tooLarge: options.tooLarge,
    });
    return read ? await read(answer, signal) : answer;
  })();
  // The slot is given back when the work ends, even when the caller stops waiting first: a parse
  // under way still holds memory.
  void work.then(
    () => lane.slots.release(),
    () => lane.slots.release(),
  );
  try {
    return await abortable(work, signal);
  } finally {
    clearTimeout(clock);
  }
}

/** `work`, or the signal's reason as soon as it fires. */
function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const stop = () => reject(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', stop));
  });
}

interface ReadLimits {
  maxBytes: number;
  scan: ((chunk: Uint8Array) => string | null) | undefined;
  tooLarge: ((cap: string) => string) | undefined;
}

async function callNow(
  url: URL,
  init: RequestInit,
  signal: AbortSignal,
  limits: ReadLimits,
): Promise<BackendAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal, redirect: 'manual' });
  } catch (error) {
    throw await unreachable(url, error, signal);
  }
  try {
    return {
      status: response.status,
      headers: response.headers,
      body: await readCapped(response, url, limits),
    };
  } catch (error) {
    throw await unreachable(url, error, signal);
  }
}

/**
 * The body, read within `maxBytes` and scanned as it arrives, into one buffer of its own (which can
 * be handed to the parse worker without a copy): sized by Content-Length when the backend sends it,
 * so each chunk is copied once, as it comes.
 */
async function readCapped(response: Response, url: URL, limits: ReadLimits): Promise<Buffer> {
  const { maxBytes, scan } = limits;
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(url, limits);
  }
  let body = Buffer.allocUnsafeSlow(Number.isSafeInteger(declared) && declared > 0 ? declared : 64 * 1024);
  let size = 0;
  const reader = response.body?.getReader();
  for (let read = await reader?.read(); reader && read && !read.done; read = await reader.read()) {
    const chunk = read.value;
    if (size + chunk.byteLength > maxBytes) {
      await reader.cancel();
      throw tooLarge(url, limits);
    }
    const problem = scan?.(chunk);
    if (problem) {
      await reader.cancel();
      throw new AnswerRefused(problem);
    }
    if (size + chunk.byteLength > body.length) {
      const grown = Buffer.allocUnsafeSlow(
        Math.min(maxBytes, Math.max(body.length * 2, size + chunk.byteLength)),
      );
      body.copy(grown, 0, 0, size);
      body = grown;
    }
    body.set(chunk, size);
    size += chunk.byteLength;
  }
  if (size === body.length) return body;
  // A buffer of its own, exactly the answer's size (a Content-Length that promised more, or growth).
  const exact = Buffer.allocUnsafeSlow(size);
  body.copy(exact, 0, 0, size);
  return exact;
}

class BackendTooLarge extends Error {}
const tooLarge = (url: URL, { maxBytes, tooLarge: meaning }: ReadLimits) =>
  new BackendTooLarge(
    meaning?.(sizeInWords(maxBytes)) ?? `${url.origin} answered with more than ${sizeInWords(maxBytes)}.`,
  );

const sizeInWords = (bytes: number) =>
  bytes >= 1024 * 1024 ? `${bytes / 1024 / 1024} MiB` : `${bytes / 1024} KiB`;

/** The signal's own reason when it fired (deadline, hang-up); otherwise a MetricStoreConnectionError. */
async function unreachable(url: URL, error: unknown, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return signal.reason;
  if (error instanceof AnswerRefused) return error;
  if (error instanceof BackendTooLarge) return metricStoreConnectionError(error.message);
  const why = await whyUnreached(url, error);
  return new BackendUnreached(
    why?.sentence ??
      `Could not reach ${url.origin}: ${error instanceof Error ? error.message : String(error)}.`,
    why?.nothingThere ?? false,
  );
}

/** A call that did not reach its backend (a MetricStoreConnectionError), saying whether nothing is there. */
export class BackendUnreached extends TelemetryError {
  constructor(
    details: string,
    /** No server there at all (nothing listens, no such host): not one that broke the exchange. */
    readonly nothingThere: boolean,
  ) {
    super({ _type: 'MetricStoreConnectionError', details });
  }
}
