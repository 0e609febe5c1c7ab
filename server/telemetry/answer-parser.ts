// Where a backend's answer is parsed: small answers right here, large ones in one worker thread, so
// that 30 MB of JSON never stalls the requests this process serves (Test Connection, the window's
// control API). The worker takes one answer at a time, with a heap of its own that has a ceiling:
// an answer that would need more ends that worker (the next answer gets a fresh one), never the
// app. It is started when first needed and ended after a few idle seconds, giving its memory back.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { type Decoded, type DecodeRequest, decodeAnswer } from './answer-decode';
import type { ParseJob } from './answer-parser-worker';

/** Answers up to this size are parsed on the main thread: a few ms, less than a trip to the worker. */
export const INLINE_PARSE_BYTES = 256 * 1024;
/** The worker's heap ceiling: a 32 MiB answer of samples needs about 400 MB while it is parsed. */
export const PARSE_WORKER_HEAP_MB = 640;
/** How long an idle worker is kept for the next answer. */
const IDLE_MILLIS = 5_000;

interface Pending {
  job: ParseJob;
  resolve(decoded: Decoded): void;
  reject(error: unknown): void;
}

let worker: Worker | null = null;
/** Set when the worker could not start at all (a packaging fault): answers are then parsed here. */
let workerUnavailable = false;
let running: Pending | null = null;
/** The worker `running` was given to. */
let runningOn: Worker | null = null;
const queue: Pending[] = [];
let nextId = 1;
let idleTimer: NodeJS.Timeout | undefined;

/**
 * The answer decoded; rejects with the signal's reason if it fires while the answer still waits
 * for the worker. Once the worker has it, it is finished (the caller's slot is held until then).
 */
export function parseAnswer(body: Buffer, request: DecodeRequest, signal: AbortSignal): Promise<Decoded> {
  signal.throwIfAborted();
  if (body.length <= INLINE_PARSE_BYTES || workerUnavailable) {
    return Promise.resolve(decodeAnswer(body, request));
  }
  return new Promise((resolve, reject) => {
    const pending: Pending = { job: { id: nextId++, bytes: body, request }, resolve, reject };
    const giveUp = () => {
      const at = queue.indexOf(pending);
      if (at === -1) return;
      queue.splice(at, 1);
      reject(signal.reason);
    };
    signal.addEventListener('abort', giveUp, { once: true });
    const settle =
      <T>(done: (value: T) => void) =>
      (value: T) => {
        signal.removeEventListener('abort', giveUp);
        done(value);
      };
    pending.resolve = settle(resolve);
    pending.reject = settle(reject);
    queue.push(pending);
    runNext();
  });
}

function runNext(): void {
  if (running || queue.length === 0) {
    if (!running && queue.length === 0) scheduleIdleEnd();
    return;
  }
  clearTimeout(idleTimer);
  running = queue.shift() ?? null;
  if (!running) return;
  const { bytes } = running.job;
  // A Buffer from the pool shares its memory: send a copy then; a Buffer of its own is moved.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const job: ParseJob = { ...running.job, bytes: own ? bytes : new Uint8Array(bytes) };
  running.job.bytes = new Uint8Array(0);
  runningOn = workerNow();
  runningOn.postMessage(job, [job.bytes.buffer as ArrayBuffer]);
}

function workerNow(): Worker {
  if (worker) return worker;
  const entry = workerEntry();
  const started = new Worker(entry.script, {
    eval: entry.eval,
    resourceLimits: { maxOldGenerationSizeMb: PARSE_WORKER_HEAP_MB },
    stdout: false,
    stderr: false,
  });
  started.unref();
  let online = false;
  started.once('online', () => {
    online = true;
  });
  started.on('message', ({ id, decoded }: { id: number; decoded: Decoded }) => {
    if (running?.job.id !== id) return;
    const done = running;
    running = null;
    runningOn = null;
    done.resolve(decoded);
    runNext();
  });
  // A crash brings 'error' and then 'exit', and a worker ended when idle brings 'exit' later: only
  // the job this worker was reading fails, never one already given to the next worker.
  const fail = (why: string) => {
    if (worker === started) worker = null;
    if (!online) workerUnavailable = true;
    if (runningOn !== started) return;
    const failed = running;
    running = null;
    runningOn = null;
    failed?.resolve({ kind: 'invalid', what: why });
    runNext();
  };
  started.on('error', (error: Error & { code?: string }) =>
    fail(
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? `an answer that needs more than ${PARSE_WORKER_HEAP_MB} MB to read`
        : `an answer that could not be read (${error.message.slice(0, 200)})`,
    ),
  );
  started.on('exit', () => fail('an answer whose reader stopped'));
  worker = started;
  return started;
}

function scheduleIdleEnd(): void {
  clearTimeout(idleTimer);
  if (!worker) return;
  idleTimer = setTimeout(() => {
    if (running || queue.length > 0 || !worker) return;
    const ending = worker;
    worker = null;
    void ending.terminate();
  }, IDLE_MILLIS);
  idleTimer.unref();
}

/**
 * The built worker next to the bundle; else (development) a small script that registers tsx in
 * the thread and then loads the TypeScript source (a worker does not take `--import` hooks).
 */
function workerEntry(): { script: string; eval: boolean } {
  const directory = dirname(fileURLToPath(import.meta.url));
  const built = join(directory, 'answer-parser-worker.js');
  if (existsSync(built)) return { script: built, eval: false };
  const source = pathToFileURL(join(directory, 'answer-parser-worker.ts')).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return {
    script: `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); });`,
    eval: true,
  };
}
