// The parse worker's thread: decodes one answer at a time (answer-decode.ts) and hands the result
// back, its sample arrays moved rather than copied. Started by answer-parser.ts.
import { parentPort } from 'node:worker_threads';
import { type DecodeRequest, decodeAnswer, transferablesOf } from './answer-decode';

export interface ParseJob {
  id: number;
  bytes: Uint8Array;
  request: DecodeRequest;
}

parentPort?.on('message', ({ id, bytes, request }: ParseJob) => {
  const decoded = decodeAnswer(bytes, request);
  parentPort?.postMessage({ id, decoded }, transferablesOf(decoded));
});
