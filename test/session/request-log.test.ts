import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MirrorExchange } from '../../server/mirror/exchange';
import { BODY_LIMIT_CHARS, type LogEvent, RequestLog } from '../../server/session/request-log';

const exchange = (overrides: Partial<MirrorExchange> = {}): MirrorExchange => ({
  startedAt: 1_700_000_000_000,
  durationMillis: 3,
  operation: 'metrics',
  method: 'POST',
  url: '/api/metric',
  status: 200,
  requestBody: { query: { metricField: 'cpu.usage' } },
  responseBody: { _type: 'MetricsResponse' },
  summary: 'metric cpu.usage',
  resultCount: 10,
  localPort: 7007,
  remoteAddress: '127.0.0.1',
  headers: {},
  ...overrides,
});

test('keeps the newest entries up to its capacity, oldest first', () => {
  const log = new RequestLog(3);
  for (let i = 0; i < 5; i++) log.append(exchange({ durationMillis: i }), 'local', '127.0.0.1');
  assert.deepEqual(
    log.list().map((e) => [e.id, e.durationMillis]),
    [
      [3, 2],
      [4, 3],
      [5, 4],
    ],
  );
  assert.equal(log.find(1), undefined);
  assert.equal(log.find(5)?.summary, 'metric cpu.usage');
});

test('bodies are pretty JSON and cut at the bound', () => {
  const log = new RequestLog();
  const small = log.append(exchange(), 'tunnel', '203.0.113.9');
  assert.equal(small.requestBody, JSON.stringify({ query: { metricField: 'cpu.usage' } }, null, 2));
  assert.equal(small.requestTruncated, false);
  assert.equal(small.responseTruncated, false);
  assert.equal(small.origin, 'tunnel');
  const big = log.append(exchange({ responseBody: 'x'.repeat(BODY_LIMIT_CHARS * 2) }), 'local', '127.0.0.1');
  assert.equal(big.responseTruncated, true);
  assert.equal(big.requestTruncated, false);
  assert.ok(big.responseBody.length < BODY_LIMIT_CHARS + 40);
  assert.match(big.responseBody, /truncated\)$/);
});

test('subscribers hear appends and clears until they unsubscribe', () => {
  const log = new RequestLog();
  const heard: LogEvent['type'][] = [];
  const unsubscribe = log.subscribe((event) => heard.push(event.type));
  log.append(exchange(), 'local', '127.0.0.1');
  log.clear();
  unsubscribe();
  log.append(exchange(), 'local', '127.0.0.1');
  assert.deepEqual(heard, ['append', 'clear']);
  assert.equal(log.size, 1);
});
