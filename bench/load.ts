// The benchmark's HTTP client: keep-alive connections through node's own http.Agent, a fixed
// number of requests in flight, and a latency sample for every request.
import { Agent, request } from 'node:http';

export interface BenchRequest {
  path: string;
  body: string;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  p50Millis: number;
  p99Millis: number;
}

/** One request; resolves with the response body. Rejects on a non-2xx status. */
export function post(port: number, agent: Agent, { path, body }: BenchRequest): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path,
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(text);
          else reject(new Error(`POST ${path} answered ${status}: ${text.slice(0, 200)}`));
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export const keepAliveAgent = (connections: number) =>
  new Agent({ keepAlive: true, maxSockets: connections });

/** What one stretch of load measured. */
export interface Slice {
  latencies: number[];
  elapsedMillis: number;
}

/**
 * `concurrency` loops, each sending its next request as soon as the previous one is answered,
 * until `durationMillis` have passed (requests in flight then are waited for, and counted).
 */
export async function drive(
  port: number,
  agent: Agent,
  requests: readonly BenchRequest[],
  options: { concurrency: number; durationMillis: number; onError?: (error: Error) => void },
): Promise<Slice> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + options.durationMillis;
  const worker = async (offset: number) => {
    for (let index = offset; performance.now() < deadline; index += options.concurrency) {
      const sent = performance.now();
      const answered = post(port, agent, requests[index % requests.length] as BenchRequest);
      // Without onError a failure ends the run; with it, it is counted and the loop goes on.
      if (options.onError) await answered.catch(options.onError);
      else await answered;
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, offset) => worker(offset)));
  return { latencies, elapsedMillis: performance.now() - started };
}

/** Throughput and latency percentiles over several slices of load. */
export function summarize(slices: readonly Slice[]): LoadResult {
  const latencies = slices.flatMap((slice) => slice.latencies).sort((a, b) => a - b);
  const elapsed = slices.reduce((total, slice) => total + slice.elapsedMillis, 0);
  return {
    requests: latencies.length,
    requestsPerSecond: (latencies.length / elapsed) * 1000,
    p50Millis: percentile(latencies, 0.5),
    p99Millis: percentile(latencies, 0.99),
  };
}

/** Sends exactly `count` requests (cycling through `requests`), `concurrency` at a time. */
export async function runCount(
  port: number,
  requests: readonly BenchRequest[],
  options: { concurrency: number; count: number },
): Promise<void> {
  const agent = keepAliveAgent(options.concurrency);
  let next = 0;
  const worker = async () => {
    while (next < options.count) {
      const index = next++;
      await post(port, agent, requests[index % requests.length] as BenchRequest);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
}

export function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    0.5,
  );
}
