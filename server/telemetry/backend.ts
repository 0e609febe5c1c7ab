// How a source calls the server behind it (Prometheus, the user's own mirror): with the request's
// signal, so StackState hanging up or the deadline stops the call too; with a cap on what it reads;
// and with failures to reach it reported as the protocol's MetricStoreConnectionError, which names
// the address and the cause in plain words, never as a hang or an empty reply.

import { unreachableSentence } from './reach';
import { metricStoreConnectionError, type SourceContext } from './source';

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
 * their turn (until their own deadline), so memory stays bounded whatever arrives.
 */
export const MAX_BACKEND_CALLS = 4;

let callsUnderWay = 0;
const waiting: Array<() => void> = [];

/** Waits for a free slot, or rejects with the signal's reason when it fires first. */
function takeSlot(signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  if (callsUnderWay < MAX_BACKEND_CALLS) {
    callsUnderWay++;
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const grant = () => {
      signal.removeEventListener('abort', giveUp);
      callsUnderWay++;
      resolve();
    };
    const giveUp = () => {
      waiting.splice(waiting.indexOf(grant), 1);
      reject(signal.reason);
    };
    waiting.push(grant);
    signal.addEventListener('abort', giveUp, { once: true });
  });
}

function releaseSlot(): void {
  callsUnderWay--;
  waiting.shift()?.();
}

/** One HTTP call to a backend. Resolves with any status; rejects only when the backend was not reached. */
export async function callBackend(
  url: URL,
  init: RequestInit,
  context: SourceContext,
): Promise<BackendAnswer> {
  await takeSlot(context.signal);
  try {
    return await callNow(url, init, context);
  } finally {
    releaseSlot();
  }
}

async function callNow(url: URL, init: RequestInit, context: SourceContext): Promise<BackendAnswer> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: context.signal, redirect: 'manual' });
  } catch (error) {
    throw await unreachable(url, error, context.signal);
  }
  try {
    return { status: response.status, headers: response.headers, body: await readCapped(response, url) };
  } catch (error) {
    throw await unreachable(url, error, context.signal);
  }
}

async function readCapped(response: Response, url: URL): Promise<Buffer> {
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > MAX_BACKEND_BODY_BYTES) {
    await response.body?.cancel();
    throw tooLarge(url);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (let read = await reader?.read(); reader && read && !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > MAX_BACKEND_BODY_BYTES) {
      await reader.cancel();
      throw tooLarge(url);
    }
    chunks.push(Buffer.from(read.value));
  }
  return Buffer.concat(chunks);
}

class BackendTooLarge extends Error {}
const tooLarge = (url: URL) =>
  new BackendTooLarge(`${url.origin} answered with more than ${MAX_BACKEND_BODY_BYTES / 1024 / 1024} MiB.`);

/** The signal's own reason when it fired (deadline, hang-up); otherwise a MetricStoreConnectionError. */
async function unreachable(url: URL, error: unknown, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) return signal.reason;
  if (error instanceof BackendTooLarge) return metricStoreConnectionError(error.message);
  const sentence = await unreachableSentence(url, error);
  return metricStoreConnectionError(
    sentence ?? `Could not reach ${url.origin}: ${error instanceof Error ? error.message : String(error)}.`,
  );
}
