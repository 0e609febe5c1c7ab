// Every field a profile lists is a valid Select field: as StackState's stream wizard would ask,
// over HTTP to a real mirror on 127.0.0.1, each listed field with each of the 14 methods answers
// 200 with points (mirror-api.md §4.2, §4.4).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningMirror } from '../../server/mirror/listen';
import { AGGREGATION_METHODS, type EqualityCondition } from '../../server/protocol/messages';
import { createTelemetrySource } from '../../server/telemetry';
import { createPrometheusSource } from '../../server/telemetry/prometheus';
import type { TelemetrySource } from '../../server/telemetry/source';
import { send, startTestMirror } from '../mirror/helpers';
import { stringIs } from './helpers';
import { type PrometheusFixture, prometheusMissing, startPrometheus } from './prometheus-fixture';

interface Window {
  startTime: number;
  endTime: number;
}

type Answer = { telemetry?: { _type: string; points: unknown[] }; _type?: string; details?: string };

/** The listed fields, then each field × method: the pairs that did not answer 200 with points. */
async function failingPairs(
  port: number,
  window: Window,
  conditions: EqualityCondition[],
  bucketSizeMillis: number,
): Promise<{ fields: string[]; failures: string[] }> {
  const names = await send(port, { path: '/api/field/name', body: { query: { ...window, conditions } } });
  assert.equal(names.status, 200, names.text);
  const fields = (names.json() as { fields: { fieldName: string }[] }).fields.map((f) => f.fieldName);
  const failures: string[] = [];
  for (const metricField of fields) {
    for (const method of AGGREGATION_METHODS) {
      const reply = await send(port, {
        path: '/api/metric',
        body: {
          _type: 'MetricsRequest',
          connectionDetails: {},
          query: { ...window, conditions, metricField, aggregation: { method, bucketSizeMillis } },
        },
      });
      const answer = reply.json() as Answer;
      const points = answer.telemetry?.points.length ?? 0;
      if (reply.status !== 200 || answer.telemetry?._type !== 'AggregatedMetricTelemetry' || points === 0) {
        failures.push(`${metricField} by ${method}: ${reply.status} ${answer._type ?? ''} ${points} points`);
      }
    }
  }
  return { fields, failures };
}

function withMirror(source: () => TelemetrySource) {
  const running: { mirror?: RunningMirror } = {};
  before(async () => {
    ({ mirror: running.mirror } = await startTestMirror({ source: source() }));
  });
  after(() => running.mirror?.close());
  return () => running.mirror!.port;
}

/** Monday 15 January 2024, 14:00 UTC: every demo host online. */
const AFTERNOON = Date.UTC(2024, 0, 15, 14);

describe('every listed field × every method answers 200 with points', () => {
  describe('demo', () => {
    const port = withMirror(() => createTelemetrySource({ kind: 'demo' }));
    test('10 fields (5 dimensions, 5 metrics) × 14 methods, for all hosts and for one', async () => {
      const window = { startTime: AFTERNOON, endTime: AFTERNOON + 3_600_000 };
      for (const conditions of [[], [stringIs('host', 'a-host')]]) {
        const { fields, failures } = await failingPairs(port(), window, conditions, 600_000);
        assert.equal(fields.length, 10);
        assert.deepEqual(failures, [], `${failures.length} of ${fields.length * 14} pairs failed`);
      }
    });
  });

  describe('tutorial', () => {
    const port = withMirror(() => createTelemetrySource({ kind: 'tutorial' }));
    test('field1, field2, field3 × 14 methods (the tutorial’s own "field1 by Event count" among them)', async () => {
      const window = { startTime: 1_600_000_000_000, endTime: 1_600_000_250_000 };
      const { fields, failures } = await failingPairs(port(), window, [], 50_000);
      assert.deepEqual(fields, ['field1', 'field2', 'field3']);
      assert.deepEqual(failures, [], `${failures.length} of ${fields.length * 14} pairs failed`);
    });
  });

  const missing = prometheusMissing();
  describe('prometheus', { skip: missing ?? false }, () => {
    let fixture: PrometheusFixture | undefined;
    // Hooks run in the order they are registered: Prometheus first, then the mirror in front of it.
    before(async () => {
      fixture = await startPrometheus(6);
    });
    after(async () => {
      await fixture?.stop();
    });
    const port = withMirror(() => createPrometheusSource({ url: fixture!.url }));
    test('__name__, every label and value × 14 methods, for a chosen metric', async () => {
      const window = { startTime: fixture!.startedAt - 500, endTime: Date.now() - 500 };
      const conditions = [stringIs('__name__', 'fixture_temperature')];
      const { fields, failures } = await failingPairs(port(), window, conditions, 2000);
      assert.deepEqual(fields, ['__name__', 'instance', 'job', 'room', 'value', '__counter__', '__gauge__']);
      assert.deepEqual(failures, [], `${failures.length} of ${fields.length * 14} pairs failed`);
    });
  });
});
