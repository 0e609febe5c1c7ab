// The parse worker's thread: decodes one answer at a time (answer-decode.ts) and hands the result
// back, its sample arrays moved rather than copied. Started by answer-parser.ts.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { type DecodeRequest, decodeAnswer, transferablesOf } from './answer-decode';

export interface ParseJob {
  id: number;
  bytes: Uint8Array;
  request: DecodeRequest;
}

/** How much this thread yields the CPU to the main thread, which answers StackState and the window. */
const PARSE_NICENESS = 10;

/**
 * Lowers this thread's priority where the system allows one thread's (Linux: a thread is a task
 * with its own id, /proc/thread-self names it). Elsewhere the thread keeps the process's priority.
 */
function yieldToMainThread(): void {
  try {
    const taskId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(taskId) && taskId > 0) setPriority(taskId, PARSE_NICENESS);
  } catch {
    // Not Linux, or not allowed: the parse still runs off the main thread.
  }
}

yieldToMainThread();

parentPort?.on('message', ({ id, bytes, request }: ParseJob) => {
  const decoded = decodeAnswer(bytes, request);
  parentPort?.postMessage({ id, decoded }, transferablesOf(decoded));
});
