// The tutorial profile against the request and response examples of mirror-api.md §4 and §11.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AGGREGATION_METHODS, type FieldNamesQuery, INT_MAX } from '../../server/protocol/messages';
import { aggregate } from '../../server/telemetry/aggregate';
import { createTutorialAnswers, matchesPrefix, tutorialValueAt } from '../../server/telemetry/tutorial';
import {
  aggregatedPoints,
  aggregatedPointsOf,
  assertClose,
  fieldValuesQuery,
  metricsQuery,
  PROMISED_BUCKETS,
  rawPoints,
  stringIs,
} from './helpers';

const source = createTutorialAnswers();

// §4.2 and §11.2
const fieldNamesFixture: FieldNamesQuery = {
  _type: 'FieldNamesQuery',
  conditions: [stringIs('stringField', 'foobar')],
  startTime: 1504174208940,
  endTime: 1504347008940,
  limit: 2147483647,
  latestFirst: true,
};

describe('tutorial profile: connection and fields', () => {
  it('tests the connection OK, whatever the connection details', () => {
    assert.deepEqual(source.testConnection({}), { _type: 'TestConnectionResponse', status: 'OK' });
    assert.deepEqual(source.testConnection({ host: 'prometheus.local.com', port: 9900 }), {
      _type: 'TestConnectionResponse',
      status: 'OK',
    });
  });

  it('answers the field names of §4.2 exactly', () => {
    for (const query of [fieldNamesFixture, { ...fieldNamesFixture, conditions: [] }]) {
      assert.deepEqual(source.fieldNames(query), {
        _type: 'FieldNamesResponse',
        isPartial: false,
        fields: [
          { _type: 'FieldDescriptor', fieldName: 'field1', fieldType: 'STRING', classified: false },
          { _type: 'FieldDescriptor', fieldName: 'field2', fieldType: 'BOOLEAN', classified: false },
          { _type: 'FieldDescriptor', fieldName: 'field3', fieldType: 'NUMBER', classified: false },
        ],
      });
    }
  });

  it('cuts field names to the limit, and says so', () => {
    const response = source.fieldNames({ ...fieldNamesFixture, limit: 2 });
    assert.deepEqual(
      response.fields.map((f) => f.fieldName),
      ['field1', 'field2'],
    );
    assert.equal(response.isPartial, true);
    assert.equal(source.fieldNames({ ...fieldNamesFixture, limit: 3 }).isPartial, false);
  });

  it('answers the field values of §11.3 exactly when no prefix is typed', () => {
    assert.deepEqual(source.fieldValues(fieldValuesQuery('field1')), {
      _type: 'FieldValuesResponse',
      isPartial: false,
      values: [
        { _type: 'CompleteValue', value: 'value1' },
        { _type: 'FieldValuePattern', value: 'cpu.*' },
      ],
    });
  });

  it('filters field values by prefix: the cpu.* pattern stays while the prefix agrees with "cpu."', () => {
    const valuesFor = (fieldValuePrefix: string) =>
      source.fieldValues(fieldValuesQuery('string', { fieldValuePrefix })).values.map((v) => v.value);
    assert.deepEqual(valuesFor('cpu.'), ['cpu.*']); // the §4.3 request
    assert.deepEqual(valuesFor('c'), ['cpu.*']);
    assert.deepEqual(valuesFor('cpu.user'), ['cpu.*']);
    assert.deepEqual(valuesFor('val'), ['value1']);
    assert.deepEqual(valuesFor('value12'), []);
    assert.deepEqual(valuesFor('mem'), []);
    assert.equal(matchesPrefix({ _type: 'FieldValuePattern', value: 'cpu.*' }, 'cpux'), false);
  });

  it('pages field values with offset and limit', () => {
    const page = (offset: number, limit: number) =>
      source.fieldValues(fieldValuesQuery('field1', { offset, limit }));
    assert.deepEqual(
      page(1, INT_MAX).values.map((v) => v.value),
      ['cpu.*'],
    );
    assert.equal(page(1, INT_MAX).isPartial, false);
    assert.deepEqual(
      page(0, 1).values.map((v) => v.value),
      ['value1'],
    );
    assert.equal(page(0, 1).isPartial, true);
    assert.deepEqual(page(5, 10).values, []);
  });

  it('has no catalog for incidents', () => {
    assert.deepEqual(source.catalog(), { dimensions: {}, metrics: [] });
  });
});

describe('tutorial profile: metrics', () => {
  // §11.4
  const rawFixture = { startTime: 1600000000000, endTime: 1600000250000 };

  it('raw: 50 points, 5000 ms apart from startTime, values in [0, 100), like §11.4', () => {
    const response = source.metrics(metricsQuery(rawFixture));
    assert.equal(response._type, 'MetricsResponse');
    assert.equal(response.telemetry.isPartial, false);
    const points = rawPoints(source, rawFixture);
    assert.equal(points.length, 50);
    points.forEach(([value, timestamp], i) => {
      assert.equal(timestamp, 1600000000000 + 5000 * i);
      assert.ok(value >= 0 && value < 100);
      assert.equal(value, tutorialValueAt(timestamp));
    });
    assert.equal(points.at(-1)![1], 1600000245000);
    assert.ok(new Set(points.map((p) => p[0])).size > 45, 'values vary');
  });

  it('raw: the same query gives the same answer, and a value depends only on its timestamp', () => {
    assert.deepEqual(source.metrics(metricsQuery(rawFixture)), source.metrics(metricsQuery(rawFixture)));
    assert.deepEqual(
      createTutorialAnswers().metrics(metricsQuery(rawFixture)),
      source.metrics(metricsQuery(rawFixture)),
    );
    // A window shifted by one step shares 49 timestamps, and their values.
    const shifted = rawPoints(source, { startTime: 1600000005000, endTime: 1600000255000 });
    assert.deepEqual(shifted.slice(0, 49), rawPoints(source, rawFixture).slice(1));
  });

  it('raw: ignores conditions and metricField, like the sample', () => {
    const filtered = rawPoints(source, {
      ...rawFixture,
      conditions: [stringIs('field1', 'x')],
      metricField: 'zz',
    });
    assert.deepEqual(filtered, rawPoints(source, rawFixture));
  });

  it('raw: a window under 50 ms gives one point on a 1000 ms step (§11.6)', () => {
    const points = rawPoints(source, { startTime: 1000, endTime: 1030 });
    assert.deepEqual(points, [[tutorialValueAt(1000), 1000]]);
  });

  it('an empty or inverted window gives no points, raw or aggregated', () => {
    const aggregation = { method: 'MEAN', bucketSizeMillis: 1000 } as const;
    assert.deepEqual(rawPoints(source, { startTime: 5000, endTime: 5000 }), []);
    assert.deepEqual(rawPoints(source, { startTime: 6000, endTime: 5000 }), []);
    assert.deepEqual(aggregatedPoints(source, { startTime: 6000, endTime: 5000, aggregation }), []);
  });

  it('raw: honours limit, keeping the earliest points', () => {
    const response = source.metrics(metricsQuery({ ...rawFixture, limit: 10 }));
    assert.equal(response.telemetry.isPartial, true);
    assert.deepEqual(response.telemetry.points, rawPoints(source, rawFixture).slice(0, 10));
  });

  it('aggregated: buckets of bucketSizeMillis over the raw points, for every method (§11.5 request)', () => {
    const raw = rawPoints(source, rawFixture);
    for (const method of AGGREGATION_METHODS) {
      const points = aggregatedPoints(source, {
        ...rawFixture,
        aggregation: { method, bucketSizeMillis: 60000 },
      });
      // 250 s in 60 s buckets: four full ones and a last one of 10 s ending at endTime.
      assert.deepEqual(
        points.map(([, start, end]) => [start, end]),
        [0, 1, 2, 3, 4].map((i) => [
          1600000000000 + 60000 * i,
          Math.min(1600000000000 + 60000 * (i + 1), 1600000250000),
        ]),
        method,
      );
      points.forEach(([value, start, end]) => {
        const inBucket = raw.filter(([, t]) => t >= start && t < end).map(([v]) => v);
        assertClose(value, aggregate(method, inBucket), method);
      });
    }
    const counts = aggregatedPoints(source, {
      ...rawFixture,
      aggregation: { method: 'EVENT_COUNT', bucketSizeMillis: 60000 },
    });
    assert.deepEqual(
      counts.map(([count]) => count),
      [12, 12, 12, 12, 2],
    );
  });

  it('aggregated: empty buckets are 0 for EVENT_COUNT and SUM, left out otherwise (§11.5 3-hour window)', () => {
    const window = { startTime: 1504400400000, endTime: 1504411200000 };
    const byMethod = (method: (typeof AGGREGATION_METHODS)[number]) =>
      aggregatedPoints(source, { ...window, aggregation: { method, bucketSizeMillis: 60000 } });
    // Raw points are 216 s apart, so a 60 s bucket holds one point or none.
    const counts = byMethod('EVENT_COUNT');
    assert.equal(counts.length, 180);
    assert.equal(
      counts.reduce((n, [c]) => n + c, 0),
      50,
    );
    assert.equal(byMethod('SUM').length, 180);
    assert.equal(byMethod('EVENT_COUNT_NO_ZEROS').length, 50);
    assert.equal(byMethod('SUM_NO_ZEROS').length, 50);
    assert.equal(byMethod('MEAN').length, 50);
  });

  it('aggregated: honours limit with isPartial', () => {
    const response = source.metrics(
      metricsQuery({ ...rawFixture, limit: 2, aggregation: { method: 'MAX', bucketSizeMillis: 60000 } }),
    );
    assert.equal(response.telemetry.points.length, 2);
    assert.equal(response.telemetry.isPartial, true);
  });

  // The tutorial spreads 50 samples over whatever window it is asked, like the Python sample, so a
  // follow-up gets other samples: only the first answer is checked here (the demo checks the rest).
  it('aggregated: past PROMISED_BUCKETS buckets, answers the first PROMISED_BUCKETS with isPartial', () => {
    const query = { ...rawFixture, aggregation: { method: 'SUM' as const, bucketSizeMillis: 10 } };
    const first = source.metrics(metricsQuery(query));
    assert.equal(first.telemetry.isPartial, true);
    const points = aggregatedPointsOf(first);
    assert.equal(points.length, PROMISED_BUCKETS);
    assert.deepEqual(points.at(-1)!.slice(1), [
      rawFixture.startTime + (PROMISED_BUCKETS - 1) * 10,
      rawFixture.startTime + PROMISED_BUCKETS * 10,
    ]);
  });
});
