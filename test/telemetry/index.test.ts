import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTelemetrySource } from '../../server/telemetry';
import { metricsQuery } from './helpers';

describe('createTelemetrySource', () => {
  it('builds the source of each kind', () => {
    assert.equal(createTelemetrySource({ kind: 'demo' }).kind, 'demo');
    assert.equal(createTelemetrySource({ kind: 'tutorial' }).kind, 'tutorial');
  });

  it('gives profiles their own catalogs: the tutorial has no series, the demo has a-host', () => {
    assert.deepEqual(createTelemetrySource({ kind: 'tutorial' }).catalog().metrics, []);
    assert.ok(createTelemetrySource({ kind: 'demo' }).catalog().dimensions.host?.includes('a-host'));
  });

  it('the tutorial ignores metricField, the demo checks it', async () => {
    const query = metricsQuery({ startTime: 0, endTime: 60_000, metricField: 'field1' });
    const context = { connectionDetails: {}, signal: new AbortController().signal, note: () => {} };
    const tutorial = await createTelemetrySource({ kind: 'tutorial' }).metrics(query, context);
    assert.equal(tutorial.telemetry.points.length, 50);
    await assert.rejects(createTelemetrySource({ kind: 'demo' }).metrics(query, context), {
      name: 'MetricNotFoundError',
    });
  });
});
