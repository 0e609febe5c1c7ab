// A deterministic source's answers are kept as sent, and a repeated query gets the same bytes
// (answer-cache.ts). What a user must never see: a kept answer that is no longer the source's
// answer (incidents changed, another profile serving), or memory that grows with the queries asked.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { startMirror } from '../../server/mirror/listen';
import type { MetricsQuery } from '../../server/protocol/messages';
import { createTelemetrySource } from '../../server/telemetry';
import type { Incident, TelemetrySource } from '../../server/telemetry/source';
import { APP_INFO, send, TEST_KEY } from './helpers';

/** The answers kept for repeats, as docs/data-sources.md promises: up to 8 MiB (written out). */
const PROMISED_CACHE_BYTES = 8 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const HOUR = 3_600_000;

const query = (startTime: number, endTime = startTime + 24 * HOUR): MetricsQuery => ({
  conditions: [{ key: 'host', value: { _type: 'StringValue', value: 'a-host' } }],
  metricField: 'cpu.usage',
  startTime,
  endTime,
  aggregation: { method: 'MAX', bucketSizeMillis: 60_000 },
  limit: 100_500,
});

/** An incident on a-host's cpu.usage within the query's window. */
const spike = (factor: number): Incident => ({
  id: `spike-${factor}`,
  series: { host: 'a-host' },
  metric: 'cpu.usage',
  startMillis: NOW - 12 * HOUR,
  durationMillis: HOUR,
  factor,
});

let serving: TelemetrySource = createTelemetrySource({ kind: 'demo' });
const mirror = await startMirror({
  host: '127.0.0.1',
  port: 0,
  source: () => serving,
  apiKey: () => TEST_KEY,
  appInfo: APP_INFO,
});
after(() => mirror.close());

const ask = async (asked: MetricsQuery) => {
  const reply = await send(mirror.port, {
    path: '/api/metric',
    body: { connectionDetails: {}, query: asked },
  });
  assert.equal(reply.status, 200, reply.text);
  return reply.text;
};
/** The source's own answer, computed now, as JSON text. */
const fresh = async (source: TelemetrySource, asked: MetricsQuery) =>
  JSON.stringify(
    await source.metrics(asked, {
      connectionDetails: {},
      note: () => undefined,
      signal: new AbortController().signal,
    }),
  );

test('a repeated query gets the same answer, the source’s own', async () => {
  const asked = query(NOW - 24 * HOUR);
  const first = await ask(asked);
  assert.equal(first, await fresh(serving, asked));
  assert.equal(await ask(asked), first);
});

test('after the incidents change, the same query gets the new answer, not the one kept', async () => {
  const asked = query(NOW - 24 * HOUR);
  const calm = await ask(asked);
  serving.setIncidents([spike(3)]);
  const spiked = await ask(asked);
  assert.notEqual(spiked, calm, 'the incident shows in the answer');
  assert.equal(spiked, await fresh(serving, asked));
  serving.setIncidents([]);
  assert.equal(await ask(asked), calm, 'and goes when the incident is cleared');
});

test('another source serving: its answers, never the one kept from the source before', async () => {
  const asked = query(NOW - 24 * HOUR);
  const before = createTelemetrySource({ kind: 'demo' });
  const next = createTelemetrySource({ kind: 'demo' });
  // The same generation in both (one change each), different incidents.
  before.setIncidents([spike(2)]);
  next.setIncidents([spike(4)]);
  serving = before;
  const fromBefore = await ask(asked);
  serving = next;
  const fromNext = await ask(asked);
  assert.notEqual(fromNext, fromBefore);
  assert.equal(fromNext, await fresh(next, asked));
});

test('asking many different queries keeps memory within the kept answers’ budget', async () => {
  serving = createTelemetrySource({ kind: 'demo' });
  const outsideHeap = () => {
    gc();
    gc();
    return process.memoryUsage().arrayBuffers;
  };
  await ask(query(NOW - 24 * HOUR));
  const before = outsideHeap();
  // 400 answers of about 70 KB each: 28 MB if all were kept.
  let answered = 0;
  for (let i = 1; i <= 400; i++) answered += (await ask(query(NOW - 24 * HOUR - i * 10_000))).length;
  const grown = outsideHeap() - before;
  assert.ok(answered > 3 * PROMISED_CACHE_BYTES, `the queries answered ${answered} bytes`);
  assert.ok(
    grown < PROMISED_CACHE_BYTES + 2 * 1024 * 1024,
    `memory outside the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MB after ${(answered / 1024 / 1024).toFixed(1)} MB of answers`,
  );
});

test('many distinct tiny answers between other small answers: memory outside the heap stays within the budget', async () => {
  // Small Buffers are cut from Node's shared 8 KiB pool. Between two kept answers, the mirror sends
  // other small answers from the same pool (here: not-found errors naming a 3.5 KB path, encoded for
  // the exchange listener), so each kept answer would keep a block of its own alive unless copied out.
  const tinyMirror = await startMirror({
    host: '127.0.0.1',
    port: 0,
    source: () => serving,
    apiKey: () => TEST_KEY,
    appInfo: APP_INFO,
    onExchange: () => undefined,
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const outsideHeap = () => {
      gc();
      gc();
      return process.memoryUsage().arrayBuffers;
    };
    const post = (path: string, body?: object) =>
      send(tinyMirror.port, { path, agent, ...(body ? { body } : {}) });
    const tiny = (i: number) => ({ query: { ...query(NOW - 24 * HOUR - i * 10_000), limit: 1 } });
    const filler = `/${'x'.repeat(3500)}`;
    await post('/api/metric', tiny(0));
    const before = outsideHeap();
    // 6,000 answers of ~150 bytes with ~300-character keys: about 4 MB as the cache counts them.
    const QUERIES = 6000;
    for (let i = 1; i <= QUERIES; i++) {
      const reply = await post('/api/metric', tiny(i));
      assert.equal(reply.status, 200, reply.text);
      assert.equal((await post(filler)).status, 404);
      assert.equal((await post(filler)).status, 404);
    }
    const grown = outsideHeap() - before;
    assert.ok(
      grown < PROMISED_CACHE_BYTES + 2 * 1024 * 1024,
      `memory outside the heap grew by ${(grown / 1024 / 1024).toFixed(1)} MB after ${QUERIES} kept tiny answers, against a ${PROMISED_CACHE_BYTES / 1024 / 1024} MiB budget: each keeps a pool block alive`,
    );
  } finally {
    agent.destroy();
    await tinyMirror.close();
  }
});
