// A server for the benchmark, in a process of its own so that neither the load generator nor the
// bench shares its event loop. Started by bench/processes.ts with an IPC channel:
//   node --expose-gc --import tsx bench/server-process.ts headless   the real headless mode as users run it
//                                                                    (its bundle; demo source, request log
//                                                                    on, --json lines on stdout)
//   node --expose-gc --import tsx bench/server-process.ts fastify    a minimal fastify app with the same
//                                                                    /api/connection route
//   node --expose-gc --import tsx bench/server-process.ts bare       a bare node:http server sending given bytes
// `fastify` and `bare` send { type: 'listening', port } once up; `headless` prints its own ready line.
// Every mode answers { type: 'rss' } with its resident memory after a full garbage collection, and
// { type: 'cpu' } with the CPU time it has used (user + system, microseconds).

import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';

export type ServerMode = 'headless' | 'fastify' | 'bare';

export type ToServer =
  | { type: 'rss' }
  | { type: 'cpu' }
  /** Starts V8's CPU profiler, or stops it and writes the profile to `path`. */
  | { type: 'profile'; action: 'start' }
  | { type: 'profile'; action: 'stop'; path: string }
  /** For `bare`: the exact bytes to answer on each path. */
  | { type: 'bodies'; bodies: Record<string, string> };

export type FromServer =
  | { type: 'listening'; port: number }
  | { type: 'rss'; rssBytes: number; heapUsedBytes: number }
  | { type: 'cpu'; micros: number }
  | { type: 'profiled' }
  | { type: 'ready' };

const mode = process.argv[2];
const reply = (message: FromServer) => process.send?.(message);

process.on('message', (message: ToServer) => {
  if (message.type === 'rss') {
    // Two passes: the first may only queue finalizers.
    globalThis.gc?.();
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    reply({ type: 'rss', rssBytes: rss, heapUsedBytes: heapUsed });
  }
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    reply({ type: 'cpu', micros: user + system });
  }
  if (message.type === 'profile') void profile(message);
});

/** The profiler runs only between start and stop: after a warm-up, so the profile shows the steady state. */
let inspector: Session | null = null;
async function profile(message: Extract<ToServer, { type: 'profile' }>): Promise<void> {
  if (message.action === 'start') {
    inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    await inspector.post('Profiler.start');
  } else if (inspector) {
    const { profile: result } = await inspector.post('Profiler.stop');
    await writeFile(message.path, JSON.stringify(result));
    inspector.disconnect();
    inspector = null;
  }
  reply({ type: 'profiled' });
}

/**
 * The product's own headless mode, as `npm run headless` runs it: the bundle (dist/headless, which
 * bench/run.ts brings up to date first), not the TypeScript sources: this script itself runs with
 * tsx's loader, which the bundle's plain JavaScript passes through. It stops on SIGTERM like from a
 * terminal.
 */
async function startHeadless(): Promise<void> {
  const bundle = new URL('../dist/headless/headless.js', import.meta.url).href;
  const { main } = (await import(bundle)) as { main: (argv: string[]) => Promise<number> };
  const settings = join(await mkdtemp(join(tmpdir(), 'mirror-bench-')), 'settings.json');
  const argv = [
    '--json',
    '--port',
    '0',
    '--tunnel',
    'none',
    '--api-key',
    'bench-key',
    '--settings',
    settings,
  ];
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  process.exit(await main(argv));
}

/** A minimal fastify app: default options, and the same Test Connection route, its answer serialised per request. */
async function startFastify(): Promise<void> {
  const app = Fastify({ logger: false });
  app.post('/api/connection', async () => ({ _type: 'TestConnectionResponse', status: 'OK' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
  const address = app.server.address();
  reply({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
}

/** A bare node:http server: reads the request, answers the given bytes for its path (404 else). */
async function startBare(): Promise<void> {
  const bodies = new Map<string, Buffer>();
  const server = createServer((request, response) => {
    request.resume();
    request.once('end', () => {
      const body = bodies.get(request.url ?? '');
      if (!body) {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': body.length,
        'x-mirror-api-key': 'bench-key',
      });
      response.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.on('message', (message: ToServer) => {
    if (message.type !== 'bodies') return;
    for (const [path, body] of Object.entries(message.bodies)) bodies.set(path, Buffer.from(body));
    reply({ type: 'ready' });
  });
  process.on('disconnect', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
  const address = server.address();
  reply({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
}

if (mode === 'headless') await startHeadless();
else if (mode === 'fastify') await startFastify();
else if (mode === 'bare') await startBare();
else throw new Error(`usage: server-process.ts headless|fastify|bare (got ${String(mode)})`);
