// A server for the benchmark, in a process of its own so that the load generator does not share
// its event loop. Started by bench/run.ts with an IPC channel:
//   node --expose-gc --import tsx bench/server-process.ts mirror        the headless mirror (demo source)
//   node --expose-gc --import tsx bench/server-process.ts mirror-fixed  the mirror with a source that answers
//                                                                       given bodies: the HTTP layer's own cost
//   node --expose-gc --import tsx bench/server-process.ts baseline      a bare fastify app (see below)
// It sends { type: 'listening', port } once up, takes { type: 'bodies' } (the answers, for the last two),
// and answers { type: 'rss' } with its resident memory after a full garbage collection and
// { type: 'exchanges' } with how many exchanges the mirror reported.
import Fastify from 'fastify';
import { startMirror } from '../server/mirror/listen';
import type { MetricsResponse } from '../server/mirror/protocol';
import { createTelemetrySource, type TelemetrySource } from '../server/telemetry';

export type ToServer =
  | { type: 'rss' }
  | { type: 'exchanges' }
  /** For `baseline` and `mirror-fixed`: the exact bodies to answer on each path. */
  | { type: 'bodies'; bodies: Record<string, string> };

export type FromServer =
  | { type: 'listening'; port: number }
  | { type: 'rss'; rssBytes: number }
  | { type: 'exchanges'; count: number }
  | { type: 'ready' };

const mode = process.argv[2];
const reply = (message: FromServer) => process.send?.(message);

async function startMirrorServer(fixedAnswers: boolean): Promise<void> {
  const demo = createTelemetrySource({ kind: 'demo' });
  let source: TelemetrySource = demo;
  let exchanges = 0;
  const mirror = await startMirror({
    host: '127.0.0.1',
    port: 0,
    source: () => source,
    apiKey: () => 'bench-key',
    // What the session does per exchange is not the mirror's cost; counting keeps the callback path live.
    onExchange: () => {
      exchanges++;
    },
    appInfo: { name: 'bench', version: '0' },
  });
  process.on('message', (message: ToServer) => {
    if (message.type === 'exchanges') reply({ type: 'exchanges', count: exchanges });
    if (message.type === 'bodies' && fixedAnswers) {
      const metrics = JSON.parse(message.bodies['/api/metric'] ?? 'null') as MetricsResponse;
      source = { ...demo, metrics: async () => metrics };
      reply({ type: 'ready' });
    }
  });
  process.on('disconnect', () => void mirror.close().then(() => process.exit(0)));
  reply({ type: 'listening', port: mirror.port });
}

/**
 * A bare fastify route: default options, default JSON body parser, and the same answer as the mirror
 * as an object, which fastify serialises per request just as it does the mirror's.
 */
async function startBaselineServer(): Promise<void> {
  const bodies = new Map<string, unknown>();
  const app = Fastify({ logger: false });
  app.post('/api/*', (request, response) => {
    void response.send(bodies.get(request.url) ?? {});
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  process.on('message', (message: ToServer) => {
    if (message.type === 'bodies') {
      for (const [path, body] of Object.entries(message.bodies)) bodies.set(path, JSON.parse(body));
      reply({ type: 'ready' });
    }
  });
  process.on('disconnect', () => void app.close().then(() => process.exit(0)));
  const address = app.server.address();
  reply({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
}

process.on('message', (message: ToServer) => {
  if (message.type !== 'rss') return;
  // Two passes: the first may only queue finalizers.
  globalThis.gc?.();
  globalThis.gc?.();
  reply({ type: 'rss', rssBytes: process.memoryUsage().rss });
});

if (mode === 'mirror' || mode === 'mirror-fixed') await startMirrorServer(mode === 'mirror-fixed');
else if (mode === 'baseline') await startBaselineServer();
else throw new Error(`usage: server-process.ts mirror|mirror-fixed|baseline (got ${String(mode)})`);
