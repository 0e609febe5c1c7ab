// The full bodies of an exchange, through the real control API of a real runtime: a 10,000-point
// metric answer comes back byte for byte (the log's own copy is cut at 4 KiB), within a byte budget
// that lets the oldest go first.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import type { LogEntry, LogSnapshot, RawExchange } from '../../server/contract/contract';
import { startTestRuntime } from '../fixtures/runtime';

/** The promised budget, written out: not read from the code's own constant. */
const PROMISED_BUDGET_BYTES = 16 * 1024 * 1024;

/** 10,000 one-minute MEAN buckets of a demo metric: the window's chart at its widest. */
function wideMetricRequest(offsetMinutes: number): string {
  const end = Date.UTC(2026, 0, 10) - offsetMinutes * 60_000;
  return JSON.stringify({
    _type: 'MetricsRequest',
    connectionDetails: {},
    query: {
      _type: 'MetricsQuery',
      conditions: [],
      metricField: 'cpu.usage',
      startTime: end - 10_000 * 60_000,
      endTime: end,
      aggregation: { method: 'MEAN', bucketSizeMillis: 60_000 },
    },
  });
}

/** Posts `body` to the mirror; resolves with the status, the key header and the bytes received. */
function post(
  port: number,
  path: string,
  body: string,
): Promise<{ status: number; key: string; text: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.once('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            key: String(response.headers['x-mirror-api-key']),
            text: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    outgoing.once('error', reject);
    outgoing.end(body);
  });
}

test('a 10,000-point answer comes back byte for byte from the raw route; the budget lets the oldest go', async (t) => {
  const { runtime } = await startTestRuntime(t);
  const mirrorPort = runtime.session.state.mirror.port;
  assert.ok(mirrorPort, `the mirror is up: ${runtime.session.state.message}`);
  const control = `http://127.0.0.1:${runtime.control.port}`;
  const authorization = `Bearer ${runtime.control.token}`;
  const get = (path: string) => fetch(`${control}${path}`, { headers: { authorization } });
  const log = async () => ((await (await get('/control/log')).json()) as LogSnapshot).entries;

  const firstBody = wideMetricRequest(0);
  const first = await post(mirrorPort, '/api/metric', firstBody);
  assert.equal(first.status, 200, first.text.slice(0, 300));
  assert.equal(
    (JSON.parse(first.text) as { telemetry: { points: unknown[] } }).telemetry.points.length,
    10_000,
  );

  const [entry] = (await log()) as [LogEntry];
  assert.equal(entry.responseTruncated, true, 'the log entry itself keeps only a cut of the answer');
  assert.equal(entry.rawKept, true, 'the full answer is still kept');
  assert.deepEqual(
    entry.responseHeaders.find(([name]) => name === 'x-mirror-api-key'),
    ['x-mirror-api-key', first.key],
    'the entry lists the response headers as sent, the key header included',
  );
  const raw = await get(`/control/raw/${entry.id}`);
  assert.equal(raw.status, 200);
  const exchange = (await raw.json()) as RawExchange;
  assert.equal(exchange.id, entry.id);
  assert.equal(exchange.response, first.text, 'the raw response is the answer as sent, byte for byte');
  assert.equal(exchange.request, firstBody, 'the raw request is the body as received');

  // Fill past the budget with more wide answers (each about half a MiB).
  const answerBytes = Buffer.byteLength(first.text) + Buffer.byteLength(firstBody);
  const needed = Math.ceil(PROMISED_BUDGET_BYTES / answerBytes) + 2;
  for (let i = 1; i <= needed; i++) {
    const reply = await post(mirrorPort, '/api/metric', wideMetricRequest(i));
    assert.equal(reply.status, 200);
  }

  const entries = await log();
  assert.equal(entries.length, needed + 1);
  assert.equal(entries[0]?.rawKept, false, 'the oldest exchange no longer says its raw bodies are kept');
  assert.equal(entries.at(-1)?.rawKept, true, 'the newest exchange is kept');
  const gone = await get(`/control/raw/${entry.id}`);
  assert.equal(gone.status, 404, 'the oldest raw exchange was let go first');
  assert.match(((await gone.json()) as { error: string }).error, /no full exchange kept for id/);

  let keptBytes = 0;
  for (const kept of entries.filter((e) => e.rawKept)) {
    const reply = await get(`/control/raw/${kept.id}`);
    assert.equal(reply.status, 200, `entry ${kept.id} says it is kept, so its raw route answers`);
    const { request: sent, response } = (await reply.json()) as RawExchange;
    keptBytes += Buffer.byteLength(sent) + Buffer.byteLength(response);
  }
  assert.ok(
    keptBytes <= PROMISED_BUDGET_BYTES,
    `broken promise: raw bodies stay within 16 MiB, but ${(keptBytes / 1024 / 1024).toFixed(1)} MiB are kept`,
  );
  assert.ok(
    keptBytes > PROMISED_BUDGET_BYTES - 2 * answerBytes,
    `the budget is used, not emptied: ${keptBytes} bytes kept`,
  );
});

test('the raw route answers 404 with an error for an unknown id, and needs the token', async (t) => {
  const { runtime } = await startTestRuntime(t);
  const control = `http://127.0.0.1:${runtime.control.port}`;
  const authorization = `Bearer ${runtime.control.token}`;
  for (const id of ['999', 'abc', '1.5']) {
    const reply = await fetch(`${control}/control/raw/${id}`, { headers: { authorization } });
    assert.equal(reply.status, 404, `id ${id}`);
    assert.match(((await reply.json()) as { error: string }).error, new RegExp(`id ${id}`));
  }
  const mirrorPort = runtime.session.state.mirror.port ?? 0;
  await post(mirrorPort, '/api/connection', '{}');
  const noToken = await fetch(`${control}/control/raw/1`);
  assert.equal(noToken.status, 401, 'no token, no raw bodies');
  const withToken = await fetch(`${control}/control/raw/1`, { headers: { authorization } });
  assert.equal(withToken.status, 200);
  assert.deepEqual(await withToken.json(), {
    id: 1,
    request: '{}',
    response: '{"_type":"TestConnectionResponse","status":"OK"}',
  });
});
