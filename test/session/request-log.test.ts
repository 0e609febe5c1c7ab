import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LogEntry } from '../../server/contract/contract';
import { BODY_LIMIT_CHARS, type LogEvent, RequestLog } from '../../server/session/request-log';
import { type ExchangeOverrides, makeExchange } from '../fixtures/exchange';

/** A metric exchange (see makeExchange). */
const exchange = (overrides: ExchangeOverrides = {}) =>
  makeExchange({
    durationMillis: 3,
    operation: 'metrics',
    url: '/api/metric',
    requestBody: { query: { metricField: 'cpu.usage' } },
    responseBody: { _type: 'MetricsResponse' },
    summary: 'metric cpu.usage',
    resultCount: 10,
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

test('raw bodies stay within the byte budget: the oldest go first and say so', () => {
  const log = new RequestLog({ rawBudgetBytes: 10_000, rawExchangeLimitBytes: 4000 });
  const raw = (i: number) => ({
    rawRequest: `${i}`.padEnd(1000, 'q'),
    rawResponse: `${i}`.padEnd(2000, 'r'),
  });
  const entries = Array.from({ length: 5 }, (_, i) => log.append(exchange(raw(i)), 'local', '127.0.0.1'));
  // 3,000 bytes each: three fit in 10,000, so the first two were let go.
  assert.deepEqual(
    entries.map((entry) => entry.rawKept),
    [false, false, true, true, true],
  );
  assert.equal(log.raw(entries[0]?.id ?? 0), undefined);
  assert.deepEqual(log.raw(entries[4]?.id ?? 0), {
    id: 5,
    ...{ request: raw(4).rawRequest, response: raw(4).rawResponse },
  });
  assert.equal(log.rawBytesKept, 9000);

  const tooBig = log.append(
    exchange({ rawRequest: '', rawResponse: 'x'.repeat(4001) }),
    'local',
    '127.0.0.1',
  );
  assert.equal(tooBig.rawKept, false, 'an exchange above the per-exchange limit is not kept raw');
  assert.equal(entries[2]?.rawKept, true, 'and it does not push out what is kept');

  const utf8 = log.append(exchange({ rawRequest: '', rawResponse: 'é'.repeat(1500) }), 'local', '127.0.0.1');
  assert.equal(utf8.rawKept, true);
  assert.equal(log.rawBytesKept, 9000, 'counted in UTF-8 bytes (1,500 × é is 3,000 bytes)');
  assert.equal(entries[2]?.rawKept, false);

  log.clear();
  assert.equal(log.rawBytesKept, 0);
  assert.equal(utf8.rawKept, false);
});

test('an entry dropped at capacity lets its raw bodies go with it', () => {
  const log = new RequestLog({ capacity: 2 });
  const first = log.append(exchange({ rawRequest: 'first' }), 'local', '127.0.0.1');
  log.append(exchange(), 'local', '127.0.0.1');
  log.append(exchange(), 'local', '127.0.0.1');
  assert.equal(first.rawKept, false);
  assert.equal(log.raw(first.id), undefined);
});

test('response headers as sent are listed, lower-case, the key header included', () => {
  const log = new RequestLog();
  const entry = log.append(
    exchange({
      responseHeaders: { 'X-MIRROR-API-KEY': 'k1', 'content-length': 12, 'set-cookie': ['a', 'b'] },
    }),
    'local',
    '127.0.0.1',
  );
  assert.deepEqual(entry.responseHeaders, [
    ['x-mirror-api-key', 'k1'],
    ['content-length', '12'],
    ['set-cookie', 'a'],
    ['set-cookie', 'b'],
  ]);
});

test('an entry shows the same whether read at once or after its raw text was let go', () => {
  const long = { query: { metricField: 'cpu.usage', note: 'n'.repeat(BODY_LIMIT_CHARS) } };
  const samples: ExchangeOverrides[] = [
    {},
    { requestBody: long, responseBody: { points: Array.from({ length: 2000 }, (_, i) => [i, i * 60_000]) } },
    {
      requestBody: 'not json {',
      responseBody: '<html>home</html>',
      operation: null,
      method: 'GET',
      url: '/',
    },
    { requestBody: '', operation: 'connection', url: '/api/connection' },
    { summary: 'GET /x given by the reporter' },
    { summary: undefined, requestBody: long },
    { summary: undefined, requestBody: { query: { metricField: 'mem.used' } }, operation: 'metrics' },
  ];
  const readAll = (entry: LogEntry) => ({ ...JSON.parse(JSON.stringify(entry)), rawKept: null, id: null });
  for (const sample of samples) {
    const early = new RequestLog().append(exchange(sample), 'local', '127.0.0.1');
    const late = new RequestLog({ rawBudgetBytes: 1 });
    const entry = late.append(exchange(sample), 'local', '127.0.0.1');
    assert.equal(entry.rawKept, false);
    assert.deepEqual(readAll(entry), readAll(early), JSON.stringify(sample).slice(0, 80));
  }
  const cut = new RequestLog().append(exchange({ requestBody: long }), 'local', '127.0.0.1');
  assert.equal(cut.requestTruncated, true);
  assert.equal(cut.summary, 'metric cpu.usage');
  assert.ok(cut.requestBody.startsWith('{\n  "query": {\n    "metricField": "cpu.usage",'));
});

test('summaries come from the request as received, even when read long after', () => {
  const log = new RequestLog();
  const entry = log.append(
    exchange({ summary: undefined, requestBody: { query: { metricField: 'mem.used' } } }),
    'local',
    '127.0.0.1',
  );
  for (let i = 0; i < 5; i++) log.append(exchange(), 'local', '127.0.0.1');
  assert.equal(entry.summary, 'metric mem.used · raw');
});
