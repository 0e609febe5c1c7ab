import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTelemetrySource } from '../../server/telemetry';
import { metricsQuery } from './helpers';

describe('createTelemetrySource', () => {
  it('builds the source of each profile', () => {
    assert.equal(createTelemetrySource('demo').profile, 'demo');
    assert.equal(createTelemetrySource('tutorial').profile, 'tutorial');
  });

  it('gives profiles their own catalogs: the tutorial has no series, the demo has a-host', () => {
    assert.deepEqual(createTelemetrySource('tutorial').catalog().metrics, []);
    assert.ok(createTelemetrySource('demo').catalog().dimensions.host?.includes('a-host'));
  });

  it('the tutorial ignores metricField, the demo checks it', () => {
    const query = metricsQuery({ startTime: 0, endTime: 60_000, metricField: 'field1' });
    assert.equal(createTelemetrySource('tutorial').metrics(query).telemetry.points.length, 50);
    assert.throws(() => createTelemetrySource('demo').metrics(query), { name: 'MetricNotFoundError' });
  });
});
