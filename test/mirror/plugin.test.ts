// The mirror API through fastify's inject(): every operation with the protocol's own examples, and
// every kind of bad input with the error object, status and key header a client would see.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createMirrorApp } from '../../server/mirror/listen';
import type { MirrorExchange } from '../../server/protocol/exchange';
import { RequestLog } from '../../server/session/request-log';
import { TelemetryError } from '../../server/telemetry/source';
import { fixture, fixtureText } from './fixtures';
import { APP_INFO, assertMirrorError, buildTestApp, detailsText, keyHeaderOf, TEST_KEY } from './helpers';
import {
  CRASHING_METRIC,
  createStandInSource,
  FORBIDDEN_METRIC,
  MISSING_METRIC,
  STAND_IN_FIELDS,
  standInValue,
} from './stand-in-source';

/** What the public reads when a store cannot be reached (public-errors.ts); the cause is in the log. */
const PUBLIC_DATA_SOURCE_DOWN =
  "The mirror's data source did not answer. The cause is in the request log of the app that runs the mirror.";

const { app, exchanges } = buildTestApp();
after(() => app.close());

type Json = Record<string, unknown>;

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await app.inject({
    method: 'POST',
    url: path,
    headers,
    ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: response.statusCode, headers: response.headers, body: response.json() as Json, response };
}

/** A valid metric request around the given query fields. */
const metricRequest = (query: Json) => ({
  connectionDetails: {},
  query: { conditions: [], startTime: 1_600_000_000_000, endTime: 1_600_000_300_000, ...query },
});

/** The summary the request log shows for an exchange (derived from the request when read). */
const summaryOf = (exchange: MirrorExchange) =>
  new RequestLog().append(exchange, 'local', '127.0.0.1').summary;

const lastExchange = () => {
  const exchange = exchanges.at(-1);
  assert.ok(exchange, 'an exchange was reported');
  return exchange;
};

describe('the four operations, with the examples of mirror-api.md', () => {
  test('Test Connection answers the documented OK body with the key header', async () => {
    for (const name of ['docs-test-connection.request', 'sample-test-connection.request'] as const) {
      const reply = await post('/api/connection', fixtureText(name), { 'content-type': 'application/json' });
      assert.equal(reply.status, 200);
      assert.equal(keyHeaderOf(reply.headers), TEST_KEY);
      assert.match(String(reply.headers['content-type']), /^application\/json/);
      assert.deepEqual(reply.body, fixture('docs-test-connection.response'));
    }
  });

  test('Test Connection: a source that cannot reach its store answers the documented FAILURE body, non-2xx', async () => {
    const reply = await post('/api/connection', { connectionDetails: { simulateFailure: true } });
    assert.equal(reply.status, 500);
    assert.equal(keyHeaderOf(reply.headers), TEST_KEY);
    // The documented shape; the store's own words go to the log, not to the public (public-errors.ts).
    const documented = fixture('docs-test-connection-failure.response') as { error: object };
    assert.deepEqual(reply.body, {
      ...documented,
      error: { ...documented.error, details: PUBLIC_DATA_SOURCE_DOWN },
    });
    assert.equal(lastExchange().error, "MetricStoreConnectionError: Prometheus isn't healthy.");
  });

  test('Field names: the sample request gets the sample answer (§11.2)', async () => {
    const reply = await post('/api/field/name', fixtureText('sample-field-names.request'));
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, fixture('sample-field-names.response'));
    const docs = await post('/api/field/name', fixtureText('docs-field-names.request'));
    assert.equal(docs.status, 200);
    assert.deepEqual((docs.body as { fields: unknown }).fields, STAND_IN_FIELDS);
  });

  test('Field values: the sample request gets the sample answer (§11.3); the docs request is filtered by prefix', async () => {
    const reply = await post('/api/field/value', fixtureText('sample-field-values.request'));
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, fixture('sample-field-values.response'));
    const docs = await post('/api/field/value', fixtureText('docs-field-values.request'));
    assert.equal(docs.status, 200);
    assert.deepEqual(docs.body, {
      _type: 'FieldValuesResponse',
      values: [{ _type: 'FieldValuePattern', value: 'cpu.*' }],
      isPartial: false,
    });
  });

  test('Metric, raw: [value, timestamp] points in the window, with the raw dataFormat', async () => {
    for (const name of ['docs-metric-raw.request', 'sample-metric-raw.request'] as const) {
      const request = fixture(name) as { query: { startTime: number; endTime: number } };
      const reply = await post('/api/metric', fixtureText(name));
      assert.equal(reply.status, 200, name);
      const body = reply.body as { _type: string; telemetry: Json & { points: number[][] } };
      assert.equal(body._type, 'MetricsResponse');
      assert.equal(body.telemetry._type, 'RawMetricTelemetry');
      assert.deepEqual(body.telemetry.dataFormat, ['value', 'timestamp']);
      assert.equal(body.telemetry.isPartial, false);
      assert.ok(body.telemetry.points.length > 0);
      for (const [value, timestamp] of body.telemetry.points as [number, number][]) {
        assert.ok(timestamp >= request.query.startTime && timestamp < request.query.endTime);
        assert.equal(value, standInValue(timestamp));
      }
    }
  });

  test('Metric, aggregated: [value, start, end] buckets of bucketSizeMillis covering the window', async () => {
    const docs = await post('/api/metric', fixtureText('docs-metric-aggregated.request'));
    assert.equal(docs.status, 200);
    // 3 hours (1504400400000 → 1504411200000) in 1-hour buckets.
    assert.deepEqual(docs.body, {
      _type: 'MetricsResponse',
      telemetry: {
        _type: 'AggregatedMetricTelemetry',
        dataFormat: ['value', 'startTimestamp', 'endTimestamp'],
        points: [0, 1, 2].map((hour) => {
          const start = 1504400400000 + hour * 3_600_000;
          return [standInValue(start), start, start + 3_600_000];
        }),
        isPartial: false,
      },
    });
    const sample = await post('/api/metric', fixtureText('sample-metric-aggregated.request'));
    assert.equal(sample.status, 200);
    const points = (sample.body as { telemetry: { points: number[][] } }).telemetry.points;
    assert.deepEqual(
      points.map(([, start, end]) => [start, end]),
      [
        [1600000000000, 1600000060000],
        [1600000060000, 1600000120000],
        [1600000120000, 1600000180000],
        [1600000180000, 1600000240000],
        [1600000240000, 1600000250000],
      ],
    );
  });

  test('"aggregation": null is a raw query (§11.6)', async () => {
    const reply = await post('/api/metric', metricRequest({ aggregation: null }));
    assert.equal(reply.status, 200);
    assert.equal((reply.body as { telemetry: Json }).telemetry._type, 'RawMetricTelemetry');
  });
});

describe('lenient input (§14)', () => {
  test('no Content-Type, text/plain, and application/json with a charset are all parsed as JSON', async () => {
    const body = fixtureText('docs-metric-raw.request');
    const variants: Array<Record<string, string>> = [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/json; charset=utf-8' },
      { 'content-type': 'application/x-www-form-urlencoded' },
    ];
    for (const headers of variants) {
      const reply = await post('/api/metric', body, headers);
      assert.equal(reply.status, 200, JSON.stringify(headers));
      assert.equal((reply.body as { _type: string })._type, 'MetricsResponse');
    }
  });

  test('an empty body on /api/connection is an empty request', async () => {
    const variants: Array<Record<string, string>> = [{}, { 'content-type': 'application/json' }];
    for (const headers of variants) {
      const reply = await post('/api/connection', undefined, headers);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { _type: 'TestConnectionResponse', status: 'OK' });
      const blank = await post('/api/connection', '  \n', headers);
      assert.equal(blank.status, 200);
    }
  });

  test('unknown fields are ignored and `_type` is not required', async () => {
    const reply = await post('/api/metric', {
      requestTimeout: 15000,
      somethingNew: { nested: true },
      query: { startTime: 1_600_000_000_000, endTime: 1_600_000_120_000, latestFirst: true, extra: 'x' },
    });
    assert.equal(reply.status, 200);
    assert.equal((reply.body as { telemetry: { points: unknown[] } }).telemetry.points.length, 2);
  });

  test('a `//` prefix and a trailing slash reach the operation', async () => {
    for (const path of ['//api/connection', '/api/connection/', '//api/metric/']) {
      const reply = await post(path, path.includes('metric') ? metricRequest({}) : {});
      assert.equal(reply.status, 200, path);
    }
  });

  test('every condition value type is accepted: String, Double, Boolean, InSet, and untyped', async () => {
    const reply = await post(
      '/api/metric',
      metricRequest({
        conditions: [
          { _type: 'EqualityCondition', key: 's', value: { _type: 'StringValue', value: 'a' } },
          { _type: 'EqualityCondition', key: 'd', value: { _type: 'DoubleValue', value: 2.0 } },
          { _type: 'EqualityCondition', key: 'b', value: { _type: 'BooleanValue', value: true } },
          { _type: 'EqualityCondition', key: 'i', value: { _type: 'InSetValue', value: ['A', 'B'] } },
          { key: 'u', value: { value: 'untyped' } },
        ],
      }),
    );
    assert.equal(reply.status, 200);
    assert.equal(
      summaryOf(lastExchange()),
      'metric (no field) · s = a, d = 2, b = true, i in (A, B), u = untyped · raw · 2020-09-13T12:26:40Z → 2020-09-13T12:31:40Z',
    );
  });

  test('coercion: integers sent as digit strings are accepted', async () => {
    const reply = await post(
      '/api/metric',
      metricRequest({
        startTime: '1600000000000',
        endTime: '1600000300000',
        limit: '2',
        aggregation: { method: 'SUM', bucketSizeMillis: '60000' },
      }),
    );
    assert.equal(reply.status, 200);
    const telemetry = (reply.body as { telemetry: { points: number[][]; isPartial: boolean } }).telemetry;
    assert.deepEqual(
      telemetry.points.map(([, start]) => start),
      [1600000000000, 1600000060000],
    );
    assert.equal(telemetry.isPartial, true);
  });
});

describe('bad input: a RemoteMirrorError with status 500 and the key header, never an empty reply', () => {
  const cases: Array<{ name: string; path?: string; body: unknown; field: RegExp }> = [
    { name: 'missing query', body: { connectionDetails: {} }, field: /^query: is required$/m },
    {
      name: 'fractional startTime',
      body: metricRequest({ startTime: 1000.5 }),
      field: /query\.startTime: must be an integer \(got 1000\.5\)/,
    },
    {
      name: 'fractional startTime as a string',
      body: metricRequest({ startTime: '1000.5' }),
      field: /query\.startTime: must be an integer/,
    },
    {
      name: 'null endTime',
      body: metricRequest({ endTime: null }),
      field: /query\.endTime: must be an integer \(got null\)/,
    },
    {
      name: 'boolean startTime',
      body: metricRequest({ startTime: true }),
      field: /query\.startTime: must be an integer \(got true\)/,
    },
    {
      name: 'negative startTime',
      body: metricRequest({ startTime: -5 }),
      field: /query\.startTime: must be at least 0/,
    },
    {
      name: 'startTime after endTime',
      body: metricRequest({ startTime: 2000, endTime: 1000 }),
      field: /query\.startTime: must not be after query\.endTime/,
    },
    {
      name: 'unknown aggregation method',
      body: metricRequest({ aggregation: { method: 'AVERAGE', bucketSizeMillis: 60000 } }),
      field: /query\.aggregation\.method: must be one of MEAN, .*EVENT_COUNT_NO_ZEROS \(got "AVERAGE"\)/,
    },
    {
      name: 'lower-case aggregation method',
      body: metricRequest({ aggregation: { method: 'mean', bucketSizeMillis: 60000 } }),
      field: /query\.aggregation\.method: must be one of/,
    },
    {
      name: 'zero bucket size',
      body: metricRequest({ aggregation: { method: 'MEAN', bucketSizeMillis: 0 } }),
      field: /query\.aggregation\.bucketSizeMillis: must be at least 1/,
    },
    {
      name: 'a condition value of the wrong type',
      body: metricRequest({ conditions: [{ key: 'k', value: { _type: 'DoubleValue', value: true } }] }),
      field: /query\.conditions\[0\]\.value\.value: must be a number \(got true\)/,
    },
    {
      name: 'a condition without key',
      body: metricRequest({ conditions: [{ value: { _type: 'StringValue', value: 'x' } }] }),
      field: /query\.conditions\[0\]\.key: is required/,
    },
    { name: 'the body is an array', body: [1, 2], field: /^body: must be a JSON object/ },
    { name: 'the body is JSON null', body: null, field: /^body: must be a JSON object/ },
    {
      name: 'a request `_type` of another operation',
      body: { ...metricRequest({}), _type: 'FieldNamesRequest' },
      field: /^_type: must be "MetricsRequest"/,
    },
    {
      name: 'field values without field',
      path: '/api/field/value',
      body: { query: { startTime: 1, endTime: 2 } },
      field: /^query\.field: is required$/m,
    },
    {
      name: 'field values with a negative offset',
      path: '/api/field/value',
      body: { query: { startTime: 1, endTime: 2, field: { fieldName: 'host' }, offset: -1 } },
      field: /query\.offset: must be at least 0/,
    },
    {
      name: 'field names with startTime after endTime',
      path: '/api/field/name',
      body: { query: { startTime: 5, endTime: 4 } },
      field: /query\.startTime: must not be after/,
    },
  ];
  for (const { name, path = '/api/metric', body, field } of cases) {
    test(name, async () => {
      const reply = await post(path, body);
      const error = assertMirrorError(reply, { status: 500, summary: 'Request validation errors.' });
      assert.ok(Array.isArray(error.details), 'details list the offending fields');
      assert.match(detailsText(error), field);
      assert.equal(lastExchange().error, 'RemoteMirrorError: Request validation errors.');
      // And the mirror still answers the next request.
      assert.equal((await post('/api/connection', {})).status, 200);
    });
  }

  test('an empty body where a query is required says that the query is missing', async () => {
    const reply = await post('/api/metric', undefined);
    const error = assertMirrorError(reply, { status: 500, summary: 'Request validation errors.' });
    assert.match(detailsText(error), /^query: is required$/m);
  });

  test('malformed JSON, whatever the Content-Type', async () => {
    const variants: Array<Record<string, string>> = [
      {},
      { 'content-type': 'application/json' },
      { 'content-type': 'text/plain' },
    ];
    for (const headers of variants) {
      const reply = await post('/api/metric', '{"query": {"startTime": 1,', headers);
      const error = assertMirrorError(reply, { status: 500, summary: 'Malformed JSON body.' });
      assert.match(String(error.details), /not valid JSON/);
      const exchange = lastExchange();
      assert.equal(exchange.requestBody, '{"query": {"startTime": 1,', 'the log keeps the raw text');
      assert.equal(exchange.operation, 'metrics');
    }
  });

  test('the error envelope matches S3 (mirror-api.md §6): _type and summary', async () => {
    const s3 = fixture('s3-validation-error.response');
    const reply = await post('/api/metric', {});
    assert.equal(reply.body._type, s3._type);
    assert.equal(reply.body.summary, s3.summary);
  });

  test('a `__proto__` key in the body is dropped, not turned into a prototype', async () => {
    const reply = await post(
      '/api/metric',
      '{"__proto__": {"polluted": true}, "query": {"startTime": 1600000000000, "endTime": 1600000060000, ' +
        '"__proto__": {"aggregation": {"method": "MEAN", "bucketSizeMillis": 60000}}}}',
    );
    assert.equal(reply.status, 200);
    assert.equal(
      (reply.body as { telemetry: Json }).telemetry._type,
      'RawMetricTelemetry',
      'no inherited aggregation',
    );
    assert.equal(({} as Json).polluted, undefined);
  });
});

describe('errors from the source', () => {
  test('a TelemetryError goes out as its own body and status', async () => {
    const missing = await post('/api/metric', metricRequest({ metricField: MISSING_METRIC }));
    assert.equal(missing.status, 500);
    assert.equal(keyHeaderOf(missing.headers), TEST_KEY);
    assert.deepEqual(missing.body, {
      _type: 'MetricNotFoundError',
      metric: MISSING_METRIC,
      details: 'Metric is not configured.',
    });
    assert.equal(lastExchange().error, `MetricNotFoundError: ${MISSING_METRIC}: Metric is not configured.`);

    const forbidden = await post('/api/metric', metricRequest({ metricField: FORBIDDEN_METRIC }));
    assert.equal(forbidden.status, 403);
    assert.deepEqual(forbidden.body, {
      _type: 'MetricStoreConnectionError',
      details: PUBLIC_DATA_SOURCE_DOWN,
    });
    assert.equal(lastExchange().error, 'MetricStoreConnectionError: The store said 403.');
  });

  test('anything else a source throws is a 500 RemoteMirrorError without a stack', async () => {
    const reply = await post('/api/metric', metricRequest({ metricField: CRASHING_METRIC }));
    const error = assertMirrorError(reply, { status: 500, summary: 'Unexpected error in the mirror.' });
    assert.equal(error.details, 'stand-in crashed');
  });

  test('an UnsupportedFieldTypeError keeps its shape', async () => {
    const source = createStandInSource();
    source.fieldValues = () => {
      throw new TelemetryError({ _type: 'UnsupportedFieldTypeError', mirrorType: 'BOOLEAN' });
    };
    const { app: other, exchanges: seen } = buildTestApp({ source });
    try {
      const response = await other.inject({
        method: 'POST',
        url: '/api/field/value',
        payload: { query: { startTime: 1, endTime: 2, field: { fieldName: 'b', fieldType: 'BOOLEAN' } } },
      });
      assert.equal(response.statusCode, 500);
      assert.deepEqual(response.json(), { _type: 'UnsupportedFieldTypeError', mirrorType: 'BOOLEAN' });
      assert.equal(seen.at(-1)?.error, 'UnsupportedFieldTypeError: BOOLEAN');
    } finally {
      await other.close();
    }
  });
});

describe('other paths and methods', () => {
  test('an unknown path is a 404 that names it and the four operations', async () => {
    const reply = await post('/api/metrics', {});
    const error = assertMirrorError(reply, { status: 404, summary: 'Unknown path: POST /api/metrics' });
    for (const path of ['/api/connection', '/api/field/name', '/api/field/value', '/api/metric']) {
      assert.ok(String(error.details).includes(`POST ${path}`), path);
    }
    assert.equal(lastExchange().operation, null);
    assert.equal(lastExchange().status, 404);
  });

  test('another method on an operation path is a 405 with Allow: POST', async () => {
    for (const method of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const) {
      const response = await app.inject({ method, url: '/api/metric/' });
      const error = assertMirrorError(
        { status: response.statusCode, headers: response.headers, body: response.json() },
        { status: 405, summary: `Method ${method} is not allowed on /api/metric.` },
      );
      assert.match(String(error.details), /POST/);
      assert.equal(response.headers.allow, 'POST');
    }
    const head = await app.inject({ method: 'HEAD', url: '/api/connection' });
    assert.equal(head.statusCode, 405);
    assert.equal(head.headers.allow, 'POST');
    assert.equal(keyHeaderOf(head.headers), TEST_KEY);
  });

  test('a body over 1 MiB is a 413 with the key header', async () => {
    const big = JSON.stringify({ connectionDetails: { padding: 'x'.repeat(1024 * 1024) } });
    const reply = await post('/api/connection', big);
    assertMirrorError(reply, { status: 413, summary: 'Request body too large.' });
    assert.equal((await post('/api/connection', {})).status, 200);
  });

  test('GET / gives a browser an HTML page, with the dynamic parts escaped', async () => {
    const response = await app.inject({
      method: 'GET',
      url: '/',
      headers: { accept: 'text/html,application/xhtml+xml', host: 'evil"><script>x</script>' },
    });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/html/);
    assert.equal(keyHeaderOf(response.headers), TEST_KEY);
    assert.ok(response.body.includes(`This is a StackState mirror (${APP_INFO.name} ${APP_INFO.version})`));
    assert.ok(response.body.includes('Settings → Telemetry Sources → Mirror sources'));
    assert.ok(!response.body.includes('<script>'), 'the Host header is escaped');
    assert.ok(response.body.includes('&lt;script&gt;'));
  });

  test('GET / gives any other client JSON', async () => {
    const response = await app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } });
    assert.equal(response.statusCode, 200);
    assert.equal(keyHeaderOf(response.headers), TEST_KEY);
    assert.deepEqual(response.json(), {
      app: APP_INFO.name,
      version: APP_INFO.version,
      mirror: true,
      operations: [
        { method: 'POST', path: '/api/connection', label: 'Test Connection' },
        { method: 'POST', path: '/api/field/name', label: 'Field names' },
        { method: 'POST', path: '/api/field/value', label: 'Field values' },
        { method: 'POST', path: '/api/metric', label: 'Metric values' },
      ],
    });
    const head = await app.inject({ method: 'HEAD', url: '/' });
    assert.equal(head.statusCode, 200);
    assert.equal(head.body, '');
    assert.equal(keyHeaderOf(head.headers), TEST_KEY);
  });
});

describe('the exchange report', () => {
  test('each operation reports its operation, status, result count and summary', async () => {
    const now = Date.now();
    const day = 86_400_000;
    const window = { startTime: now - day, endTime: now };
    const host = {
      _type: 'EqualityCondition',
      key: 'host',
      value: { _type: 'StringValue', value: 'a-host' },
    };
    const expectations: Array<[string, unknown, Partial<Record<string, unknown>>]> = [
      [
        '/api/connection',
        {},
        { operation: 'connection', status: 200, resultCount: null, summary: 'Test Connection' },
      ],
      [
        '/api/field/name',
        { query: window },
        { operation: 'fieldNames', status: 200, resultCount: 3, summary: 'field names · last 24 h' },
      ],
      [
        '/api/field/value',
        { query: { ...window, field: { fieldName: 'host' }, fieldValuePrefix: 'va' } },
        {
          operation: 'fieldValues',
          status: 200,
          resultCount: 1,
          summary: 'field values of host starting "va" · last 24 h',
        },
      ],
      [
        '/api/metric',
        {
          query: {
            ...window,
            conditions: [host],
            metricField: 'cpu.usage',
            aggregation: { method: 'MEAN', bucketSizeMillis: 60_000 },
          },
        },
        {
          operation: 'metrics',
          status: 200,
          resultCount: 1440,
          summary: 'metric cpu.usage · host = a-host · MEAN per 1 min · last 24 h',
        },
      ],
    ];
    for (const [path, body, expected] of expectations) {
      await post(path, body, { 'x-test': path });
      const exchange = lastExchange();
      for (const [key, value] of Object.entries(expected)) {
        const actual = key === 'summary' ? summaryOf(exchange) : exchange[key as keyof typeof exchange];
        assert.deepEqual(actual, value, `${path}: ${key}`);
      }
      assert.equal(exchange.method, 'POST');
      assert.equal(exchange.url, path);
      assert.deepEqual(exchange.requestBody, body, 'the body as the client sent it, without defaults');
      assert.equal(exchange.error, undefined);
      assert.equal(exchange.headers['x-test'], path);
      assert.ok(exchange.durationMillis >= 0);
      assert.ok(exchange.startedAt >= now);
      assert.ok(exchange.responseIsJson, `${path}: the answer is reported as JSON`);
      assert.ok(JSON.parse(exchange.rawResponse.toString()) !== null, `${path}: the raw answer is JSON`);
    }
  });

  test('errors and 404s are reported too, with the url as sent', async () => {
    await post('//api/metric/', metricRequest({ startTime: 'soon' }));
    const invalid = lastExchange();
    assert.equal(invalid.operation, 'metrics');
    assert.equal(invalid.url, '//api/metric/');
    assert.equal(invalid.status, 500);
    assert.equal(invalid.resultCount, null);
    assert.equal((JSON.parse(invalid.rawResponse.toString()) as Json).summary, 'Request validation errors.');

    await app.inject({ method: 'GET', url: '/favicon.ico' });
    const missing = lastExchange();
    assert.deepEqual(
      {
        operation: missing.operation,
        status: missing.status,
        summary: summaryOf(missing),
        method: missing.method,
      },
      { operation: null, status: 404, summary: 'GET /favicon.ico', method: 'GET' },
    );
  });

  test('a listener that throws does not break the reply', async () => {
    const throwing = createMirrorApp({
      source: () => createStandInSource(),
      apiKey: () => TEST_KEY,
      appInfo: APP_INFO,
      onExchange: () => {
        throw new Error('listener bug');
      },
    });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const response = await throwing.inject({ method: 'POST', url: '/api/connection', payload: {} });
      assert.equal(response.statusCode, 200);
      await new Promise((resolve) => setImmediate(resolve));
      assert.ok(warnings.some((message) => message.includes('listener bug')));
    } finally {
      process.off('warning', onWarning);
      await throwing.close();
    }
  });
});

describe('the getters', () => {
  test('a changed key is in the very next response', async () => {
    let key = 'first-key';
    const { app: keyed } = buildTestApp({ apiKey: () => key });
    try {
      const first = await keyed.inject({ method: 'POST', url: '/api/connection' });
      assert.equal(keyHeaderOf(first.headers), 'first-key');
      key = 'second-key';
      const second = await keyed.inject({ method: 'POST', url: '/api/nope' });
      assert.equal(keyHeaderOf(second.headers), 'second-key');
    } finally {
      await keyed.close();
    }
  });

  test('the source getter is read per request (profile switch without restart)', async () => {
    const first = createStandInSource();
    const second = createStandInSource();
    second.fieldNames = async () => ({ _type: 'FieldNamesResponse', fields: [], isPartial: false });
    let current = first;
    const switching: FastifyInstance = createMirrorApp({
      source: () => current,
      apiKey: () => TEST_KEY,
      appInfo: APP_INFO,
    });
    try {
      const payload = { query: { startTime: 1, endTime: 2 } };
      const before = await switching.inject({ method: 'POST', url: '/api/field/name', payload });
      assert.equal(before.json().fields.length, 3);
      current = second;
      const afterSwitch = await switching.inject({ method: 'POST', url: '/api/field/name', payload });
      assert.equal(afterSwitch.json().fields.length, 0);
    } finally {
      await switching.close();
    }
  });
});
