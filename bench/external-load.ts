// Load from outside the measured process and outside the bench's own: wrk (with a Lua script for
// the bodies) where it is installed, else a Node load generator in a child process of its own.
// BENCH_LOAD=node forces the Node one.
import { fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BenchRequest, drive, keepAliveAgent, summarize } from './load';

const WRK = '/usr/bin/wrk';

export interface LoadFigures {
  requests: number;
  requestsPerSecond: number;
  p50Millis: number;
  p99Millis: number;
  /** Socket errors and non-2xx answers. */
  errors: number;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  /** A folder for wrk's script. */
  dir: string;
}

export const usesWrk = () => existsSync(WRK) && process.env.BENCH_LOAD !== 'node';

export const loadTool = (connections: number) =>
  usesWrk() ? `wrk -t1 -c${connections}` : `Node load generator (own process), ${connections} connections`;

/** Cycles through `requests` on `port` for `seconds`, `connections` at a time. */
export function externalLoad(
  port: number,
  requests: readonly BenchRequest[],
  options: LoadOptions,
): Promise<LoadFigures> {
  return usesWrk() ? runWrk(port, requests, options) : runNodeChild(port, requests, options);
}

async function runWrk(
  port: number,
  requests: readonly BenchRequest[],
  options: LoadOptions,
): Promise<LoadFigures> {
  const longString = (text: string) => `[==[${text}]==]`;
  const script = [
    'local bodies = {',
    ...requests.map((r) => `  { ${JSON.stringify(r.path)}, ${longString(r.body)} },`),
    '}',
    'local requests = {}',
    'local counter = 0',
    'init = function(args)',
    '  for i, b in ipairs(bodies) do',
    '    requests[i] = wrk.format("POST", b[1], { ["Content-Type"] = "application/json" }, b[2])',
    '  end',
    'end',
    'request = function()',
    '  counter = counter % #requests + 1',
    '  return requests[counter]',
    'end',
  ].join('\n');
  const scriptPath = join(options.dir, `load-${port}.lua`);
  await writeFile(scriptPath, script);
  const wrk = spawn(
    WRK,
    [
      '-t1',
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      '--latency',
      '-s',
      scriptPath,
      `http://127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const kill = setTimeout(() => wrk.kill('SIGKILL'), (options.seconds + 20) * 1000);
  let output = '';
  wrk.stdout.setEncoding('utf8');
  wrk.stdout.on('data', (chunk: string) => {
    output += chunk;
  });
  await once(wrk, 'exit');
  clearTimeout(kill);
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? Number.NaN);
  const millis = (pattern: RegExp) => {
    const match = pattern.exec(output);
    if (!match) return Number.NaN;
    const scale = { us: 0.001, ms: 1, s: 1000, m: 60_000 }[match[2] as 'us' | 'ms' | 's' | 'm'] ?? Number.NaN;
    return Number(match[1]) * scale;
  };
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  return {
    requests: number(/(\d+) requests in/),
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    p50Millis: millis(/^\s+50%\s+([\d.]+)(us|ms|s|m)$/m),
    p99Millis: millis(/^\s+99%\s+([\d.]+)(us|ms|s|m)$/m),
    errors:
      (socketErrors ? socketErrors.slice(1).reduce((total, n) => total + Number(n), 0) : 0) +
      (number(/Non-2xx or 3xx responses: (\d+)/) || 0),
  };
}

interface LoadChildTask {
  port: number;
  requests: readonly BenchRequest[];
  connections: number;
  seconds: number;
}

async function runNodeChild(
  port: number,
  requests: readonly BenchRequest[],
  options: LoadOptions,
): Promise<LoadFigures> {
  const child = fork(fileURLToPath(import.meta.url), ['--load-child'], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const kill = setTimeout(() => child.kill('SIGKILL'), (options.seconds + 30) * 1000);
  child.send({
    port,
    requests,
    connections: options.connections,
    seconds: options.seconds,
  } satisfies LoadChildTask);
  const [figures] = (await once(child, 'message')) as [LoadFigures];
  clearTimeout(kill);
  child.disconnect();
  return figures;
}

async function loadChild(task: LoadChildTask): Promise<void> {
  const agent = keepAliveAgent(task.connections);
  let errors = 0;
  const slice = await drive(task.port, agent, task.requests, {
    concurrency: task.connections,
    durationMillis: task.seconds * 1000,
    onError: () => {
      errors++;
    },
  });
  agent.destroy();
  const figures: LoadFigures = { ...summarize([slice]), errors };
  process.send?.(figures);
}

if (process.argv[2] === '--load-child') {
  process.once('message', (task: LoadChildTask) => void loadChild(task));
}
