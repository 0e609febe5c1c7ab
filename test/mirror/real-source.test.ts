// The mirror with the real telemetry sources of server/telemetry: what a client gets end to end.
// (The other mirror tests use a stand-in source, so they test the HTTP layer on its own.)
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningMirror } from '../../server/mirror/listen';
import { createTelemetrySource } from '../../server/telemetry';
import { fixture, fixtureText } from './fixtures';
import { assertMirrorError, buildTestApp, keyHeaderOf, send, startTestMirror, TEST_KEY } from './helpers';

type Telemetry = { _type: string; dataFormat: string[]; points: number[][]; isPartial: boolean };

describe('the tutorial source through the mirror answers like the sample mirror (§11)', () => {
  const { app, exchanges } = buildTestApp({ source: createTelemetrySource({ kind: 'tutorial' }) });
  after(() => app.close());
  const post = async (url: string, payload: string) => {
    const response = await app.inject({
      method: 'POST',
      url,
      payload,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(keyHeaderOf(response.headers), TEST_KEY);
    return response;
  };

  test('Test Connection, field names and field values: the sample answers exactly', async () => {
    const connection = await post('/api/connection', fixtureText('sample-test-connection.request'));
    assert.deepEqual(connection.json(), fixture('docs-test-connection.response'));
    const names = await post('/api/field/name', fixtureText('sample-field-names.request'));
    assert.equal(names.statusCode, 200);
    assert.deepEqual(names.json(), fixture('sample-field-names.response'));
    const values = await post('/api/field/value', fixtureText('sample-field-values.request'));
    assert.equal(values.statusCode, 200);
    assert.deepEqual(values.json(), fixture('sample-field-values.response'));
    assert.equal(exchanges.at(-1)?.resultCount, 2);
  });

  test('a raw metric: 50 points, 5000 ms apart, from startTime (§11.4)', async () => {
    const response = await post('/api/metric', fixtureText('sample-metric-raw.request'));
    assert.equal(response.statusCode, 200);
    const telemetry = (response.json() as { telemetry: Telemetry }).telemetry;
    assert.equal(telemetry._type, 'RawMetricTelemetry');
    assert.deepEqual(telemetry.dataFormat, ['value', 'timestamp']);
    assert.equal(telemetry.points.length, 50);
    assert.deepEqual(
      telemetry.points.map(([, timestamp]) => timestamp),
      Array.from({ length: 50 }, (_, index) => 1_600_000_000_000 + index * 5000),
    );
    for (const [value] of telemetry.points) assert.ok(value !== undefined && value >= 0 && value < 100);
    assert.equal(exchanges.at(-1)?.resultCount, 50);
  });

  test('an aggregated metric: buckets that tile the window (§11.5)', async () => {
    const response = await post('/api/metric', fixtureText('sample-metric-aggregated.request'));
    assert.equal(response.statusCode, 200);
    const telemetry = (response.json() as { telemetry: Telemetry }).telemetry;
    assert.equal(telemetry._type, 'AggregatedMetricTelemetry');
    assert.deepEqual(telemetry.dataFormat, ['value', 'startTimestamp', 'endTimestamp']);
    assert.ok(telemetry.points.length > 0);
    assert.equal(telemetry.points[0]?.[1], 1_600_000_000_000);
    assert.ok((telemetry.points.at(-1)?.[2] ?? Number.POSITIVE_INFINITY) <= 1_600_000_250_000);
    for (let index = 1; index < telemetry.points.length; index++) {
      assert.equal(telemetry.points[index]?.[1], telemetry.points[index - 1]?.[2], 'buckets are contiguous');
    }
  });
});

describe('the demo source through a running mirror', () => {
  let mirror: RunningMirror;
  before(async () => {
    ({ mirror } = await startTestMirror({ source: createTelemetrySource({ kind: 'demo' }) }));
  });
  after(() => mirror.close());

  test('field names, then the values of one of them, then a day of one metric per minute', async () => {
    const now = Date.now();
    const window = { startTime: now - 86_400_000, endTime: now };
    const names = await send(mirror.port, {
      path: '/api/field/name',
      body: { connectionDetails: {}, query: window },
    });
    assert.equal(names.status, 200);
    const fields = (names.json() as { fields: Array<{ fieldName: string; fieldType: string }> }).fields;
    const catalog = createTelemetrySource({ kind: 'demo' }).catalog();
    const dimension = Object.keys(catalog.dimensions)[0];
    const metric = catalog.metrics[0];
    assert.ok(dimension && metric, 'the demo catalog has a dimension and a metric');
    assert.ok(fields.some((field) => field.fieldName === dimension));
    assert.ok(fields.some((field) => field.fieldName === metric && field.fieldType === 'NUMBER'));

    const values = await send(mirror.port, {
      path: '/api/field/value',
      body: { query: { ...window, field: { fieldName: dimension } } },
    });
    assert.equal(values.status, 200);
    const firstValue = (values.json() as { values: Array<{ value: string }> }).values[0]?.value;
    assert.equal(firstValue, catalog.dimensions[dimension]?.[0]);

    const metrics = await send(mirror.port, {
      path: '/api/metric',
      body: {
        query: {
          ...window,
          metricField: metric,
          conditions: [{ key: dimension, value: { _type: 'StringValue', value: firstValue } }],
          aggregation: { method: 'MEAN', bucketSizeMillis: 60_000 },
        },
      },
    });
    assert.equal(metrics.status, 200);
    assert.equal(keyHeaderOf(metrics.headers), TEST_KEY);
    const telemetry = (metrics.json() as { telemetry: Telemetry }).telemetry;
    assert.equal(telemetry._type, 'AggregatedMetricTelemetry');
    assert.equal(telemetry.points.length, 1440);
  });

  test('an unknown metric is the source’s MetricNotFoundError, with the key header', async () => {
    const reply = await send(mirror.port, {
      path: '/api/metric',
      body: { query: { startTime: 0, endTime: 60_000, metricField: 'no.such.metric' } },
    });
    assertMirrorError(
      { status: reply.status, headers: reply.headers, body: reply.json() },
      { status: 500, type: 'MetricNotFoundError' },
    );
  });
});
