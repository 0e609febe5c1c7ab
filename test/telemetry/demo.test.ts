import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  AGGREGATION_METHODS,
  type AggregationMethod,
  type EqualityCondition,
  type FieldNamesQuery,
  INT_MAX,
  type RawPoint,
} from '../../server/protocol/messages';
import { aggregate } from '../../server/telemetry/aggregate';
import { createDemoAnswers, RAW_POINT_CAP } from '../../server/telemetry/demo';
import { HOSTS } from '../../server/telemetry/demo-catalog';
import { TelemetryError } from '../../server/telemetry/source';
import {
  aggregatedPoints,
  aggregatedPointsOf,
  assertClose,
  DAY,
  fieldValuesQuery,
  HOUR,
  MINUTE,
  metricsQuery,
  PROMISED_BUCKETS,
  rawPoints,
  requestSpikeOnWeb1,
  stringIs,
  T0,
} from './helpers';

const source = createDemoAnswers();
const condition = (key: string, value: EqualityCondition['value']): EqualityCondition => ({
  _type: 'EqualityCondition',
  key,
  value,
});
const hostIs = (host: string) => stringIs('host', host);
const tenMinutes = { startTime: T0 + 14 * HOUR, endTime: T0 + 14 * HOUR + 10 * MINUTE };

/** Raw points of one host's metric over a window. */
const seriesOf = (host: string, metricField: string, window = tenMinutes) =>
  rawPoints(source, { ...window, conditions: [hostIs(host)], metricField });

describe('demo profile: field names and values', () => {
  const namesQuery: FieldNamesQuery = { conditions: [], startTime: T0, endTime: T0 + DAY, limit: INT_MAX };

  it('lists every dimension and metric field with its type', () => {
    const response = source.fieldNames(namesQuery);
    assert.equal(response.isPartial, false);
    assert.deepEqual(
      response.fields.map((f) => [f.fieldName, f.fieldType, f.classified, f._type]),
      [
        ['host', 'STRING', false, 'FieldDescriptor'],
        ['service', 'STRING', false, 'FieldDescriptor'],
        ['region', 'STRING', false, 'FieldDescriptor'],
        ['cores', 'NUMBER', false, 'FieldDescriptor'],
        ['canary', 'BOOLEAN', false, 'FieldDescriptor'],
        ['cpu.usage', 'NUMBER', false, 'FieldDescriptor'],
        ['memory.usage', 'NUMBER', false, 'FieldDescriptor'],
        ['requests.rate', 'NUMBER', false, 'FieldDescriptor'],
        ['latency.p95', 'NUMBER', false, 'FieldDescriptor'],
        ['errors.rate', 'NUMBER', false, 'FieldDescriptor'],
      ],
    );
  });

  it('keeps every field when conditions are set (§4.2)', () => {
    const filtered = source.fieldNames({ ...namesQuery, conditions: [hostIs('web-1')] });
    assert.deepEqual(filtered, source.fieldNames(namesQuery));
  });

  it('cuts field names to limit with isPartial', () => {
    const cut = source.fieldNames({ ...namesQuery, limit: 3 });
    assert.deepEqual(
      cut.fields.map((f) => f.fieldName),
      ['host', 'service', 'region'],
    );
    assert.equal(cut.isPartial, true);
    assert.equal(source.fieldNames({ ...namesQuery, limit: 10 }).isPartial, false);
    assert.deepEqual(source.fieldNames({ ...namesQuery, limit: 0 }), {
      _type: 'FieldNamesResponse',
      fields: [],
      isPartial: true,
    });
  });

  const valuesOf = (field: string, query: Parameters<typeof fieldValuesQuery>[1] = {}) =>
    source.fieldValues(fieldValuesQuery(field, query)).values.map((v) => v.value);

  it('lists the values of a dimension as complete values', () => {
    assert.deepEqual(valuesOf('host'), ['a-host', 'cache-1', 'db-1', 'web-1', 'web-2']);
    assert.deepEqual(valuesOf('service'), ['app', 'cache', 'database', 'web']);
    assert.deepEqual(valuesOf('cores'), ['2', '4', '8']);
    assert.deepEqual(valuesOf('canary'), ['false', 'true']);
    const response = source.fieldValues(fieldValuesQuery('region'));
    assert.deepEqual(response, {
      _type: 'FieldValuesResponse',
      isPartial: false,
      values: [
        { _type: 'CompleteValue', value: 'eu-west-1' },
        { _type: 'CompleteValue', value: 'us-east-1' },
      ],
    });
  });

  it('lists only the values among series matching the other conditions', () => {
    assert.deepEqual(valuesOf('host', { conditions: [stringIs('region', 'us-east-1')] }), [
      'cache-1',
      'web-2',
    ]);
    assert.deepEqual(valuesOf('region', { conditions: [stringIs('service', 'web')] }), [
      'eu-west-1',
      'us-east-1',
    ]);
    // A condition on the field itself does not narrow its own values: the user is choosing it.
    assert.deepEqual(valuesOf('host', { conditions: [hostIs('web-1')] }), valuesOf('host'));
    assert.deepEqual(valuesOf('host', { conditions: [stringIs('nope', 'x')] }), []);
  });

  it('filters by prefix, then applies offset and limit with isPartial', () => {
    assert.deepEqual(valuesOf('host', { fieldValuePrefix: 'web' }), ['web-1', 'web-2']);
    assert.deepEqual(valuesOf('host', { fieldValuePrefix: 'WEB' }), []);
    const page = (offset: number, limit: number) =>
      source.fieldValues(fieldValuesQuery('host', { fieldValuePrefix: 'web', offset, limit }));
    assert.deepEqual(
      page(0, 1).values.map((v) => v.value),
      ['web-1'],
    );
    assert.equal(page(0, 1).isPartial, true);
    assert.deepEqual(
      page(1, 1).values.map((v) => v.value),
      ['web-2'],
    );
    assert.equal(page(1, 1).isPartial, false);
    assert.deepEqual(
      source.fieldValues(fieldValuesQuery('host', { offset: 1, limit: 2 })).values.map((v) => v.value),
      ['cache-1', 'db-1'],
    );
    assert.deepEqual(page(2, 5).values, []);
  });

  it('has no values to offer for a metric field or an unknown field', () => {
    assert.deepEqual(valuesOf('cpu.usage'), []);
    assert.deepEqual(valuesOf('no.such.field'), []);
  });

  it('tests the connection OK', () => {
    assert.deepEqual(source.testConnection({}), { _type: 'TestConnectionResponse', status: 'OK' });
  });

  it('catalogs its dimensions and metrics for the incident simulator', () => {
    assert.deepEqual(source.catalog(), {
      dimensions: {
        host: ['a-host', 'cache-1', 'db-1', 'web-1', 'web-2'],
        service: ['app', 'cache', 'database', 'web'],
        region: ['eu-west-1', 'us-east-1'],
        cores: ['2', '4', '8'],
        canary: ['false', 'true'],
      },
      metrics: ['cpu.usage', 'memory.usage', 'requests.rate', 'latency.p95', 'errors.rate'],
    });
  });
});

describe('demo profile: choosing series', () => {
  it('gives every host its own series, in a realistic range', () => {
    const cpu = HOSTS.map((h) => seriesOf(h.host, 'cpu.usage'));
    for (const points of cpu) {
      assert.equal(points.length, 60);
      for (const [value] of points) assert.ok(value >= 0 && value <= 100, `cpu ${value}`);
    }
    for (let i = 1; i < cpu.length; i++) assert.notDeepEqual(cpu[i], cpu[0]);
    for (const [value] of seriesOf('web-1', 'requests.rate')) assert.ok(value > 10 && value < 500);
    for (const [value] of seriesOf('web-1', 'latency.p95')) assert.ok(value > 20 && value < 1000);
  });

  it('follows the time of day: web-1 (eu-west-1) is busier at 13:00 than at 01:00 UTC', () => {
    const meanAt = (hour: number) => {
      const points = seriesOf('web-1', 'requests.rate', {
        startTime: T0 + hour * HOUR,
        endTime: T0 + hour * HOUR + HOUR,
      });
      return points.reduce((s, [v]) => s + v, 0) / points.length;
    };
    assert.ok(meanAt(13) > 2 * meanAt(1), `${meanAt(13)} vs ${meanAt(1)}`);
  });

  it('selects by StringValue, DoubleValue, BooleanValue, InSetValue and an untyped value', () => {
    const web2 = seriesOf('web-2', 'cpu.usage');
    const db1 = seriesOf('db-1', 'cpu.usage');
    const with_ = (...conditions: EqualityCondition[]) =>
      rawPoints(source, { ...tenMinutes, conditions, metricField: 'cpu.usage' });
    assert.deepEqual(with_(condition('cores', { _type: 'DoubleValue', value: 8 })), db1);
    assert.deepEqual(with_(condition('cores', { _type: 'StringValue', value: '8' })), db1);
    assert.deepEqual(with_(condition('canary', { _type: 'BooleanValue', value: true })), web2);
    assert.deepEqual(with_(condition('canary', { _type: 'StringValue', value: 'true' })), web2);
    assert.deepEqual(with_(condition('host', { value: 'db-1' })), db1);
    assert.deepEqual(with_(condition('host', { _type: 'InSetValue', value: ['db-1'] })), db1);
    // Conditions are ANDed.
    assert.deepEqual(with_(stringIs('service', 'web'), stringIs('region', 'us-east-1')), web2);
  });

  it('InSetValue picks several series, combined as the metric says (cpu: mean)', () => {
    const inSet = rawPoints(source, {
      ...tenMinutes,
      conditions: [condition('host', { _type: 'InSetValue', value: ['web-2', 'db-1', 'nope'] })],
    });
    const web2 = seriesOf('web-2', 'cpu.usage');
    const db1 = seriesOf('db-1', 'cpu.usage');
    assert.equal(inSet.length, 60);
    inSet.forEach(([value, t], i) => {
      assert.equal(t, web2[i]![1]);
      assertClose(value, (web2[i]![0] + db1[i]![0]) / 2);
    });
  });

  it('adds up request rates across series in raw queries', () => {
    const service = rawPoints(source, {
      ...tenMinutes,
      conditions: [stringIs('service', 'web')],
      metricField: 'requests.rate',
    });
    const web1 = seriesOf('web-1', 'requests.rate');
    const web2 = seriesOf('web-2', 'requests.rate');
    service.forEach(([value], i) => {
      assertClose(value, web1[i]![0] + web2[i]![0]);
    });
  });

  it('answers 200 with no points when conditions match nothing', () => {
    const nothing = [
      [stringIs('host', 'no-such-host')],
      [stringIs('datacenter', 'x')],
      [condition('host', { _type: 'DoubleValue', value: 1 })],
      [condition('canary', { _type: 'BooleanValue', value: true }), stringIs('region', 'eu-west-1')],
      [condition('host', { _type: 'InSetValue', value: [] })],
    ];
    for (const conditions of nothing) {
      assert.deepEqual(rawPoints(source, { ...tenMinutes, conditions }), []);
      assert.deepEqual(
        aggregatedPoints(source, {
          ...tenMinutes,
          conditions,
          aggregation: { method: 'SUM', bucketSizeMillis: MINUTE },
        }),
        [],
      );
    }
  });

  it('defaults to cpu.usage without a metricField', () => {
    assert.deepEqual(
      rawPoints(source, { ...tenMinutes, conditions: [hostIs('web-1')] }),
      seriesOf('web-1', 'cpu.usage'),
    );
    assert.notDeepEqual(seriesOf('web-1', 'memory.usage'), seriesOf('web-1', 'cpu.usage'));
  });

  it('reports an unknown metricField as MetricNotFoundError, listing the fields', () => {
    for (const metricField of ['disk.usage', 'Host']) {
      assert.throws(
        () => source.metrics(metricsQuery({ ...tenMinutes, metricField })),
        (error: unknown) => {
          assert.ok(error instanceof TelemetryError);
          assert.equal(error.status, 500);
          assert.equal(error.body._type, 'MetricNotFoundError');
          assert.ok(error.body._type === 'MetricNotFoundError' && error.body.metric === metricField);
          assert.match(error.message, /cpu\.usage/);
          return true;
        },
      );
    }
  });

  it('gives the same answer to the same query, from any instance', () => {
    const query = metricsQuery({
      startTime: T0 + 1234,
      endTime: T0 + 3 * DAY + 987,
      conditions: [stringIs('service', 'web')],
      metricField: 'latency.p95',
      aggregation: { method: 'PERCENTILE_95', bucketSizeMillis: 7 * MINUTE },
    });
    assert.deepEqual(source.metrics(query), createDemoAnswers().metrics(query));
    const raw = metricsQuery({ ...tenMinutes, metricField: 'errors.rate' });
    assert.deepEqual(source.metrics(raw), createDemoAnswers().metrics(raw));
  });
});

describe('demo profile: dimensions as the Select field', () => {
  const aggregated = (metricField: string, method: AggregationMethod, query = {}) =>
    aggregatedPoints(source, {
      ...tenMinutes,
      metricField,
      aggregation: { method, bucketSizeMillis: 5 * MINUTE },
      ...query,
    });

  it('a string or boolean dimension is one event per sample of each matching host (value 1)', () => {
    const web = { conditions: [stringIs('service', 'web')] };
    for (const field of ['host', 'service', 'region', 'canary']) {
      // 2 web hosts × 30 samples in 5 minutes.
      assert.deepEqual(
        aggregated(field, 'EVENT_COUNT', web).map(([v]) => v),
        [60, 60],
        field,
      );
      assert.deepEqual(
        aggregated(field, 'SUM', web).map(([v]) => v),
        [60, 60],
        field,
      );
      for (const method of ['MEAN', 'MIN', 'MAX', 'PERCENTILE_50'] as const) {
        assert.deepEqual(
          aggregated(field, method, web).map(([v]) => v),
          [1, 1],
          `${field} ${method}`,
        );
      }
      // Raw: how many matching hosts have a sample at each timestamp.
      const raw = rawPoints(source, { ...tenMinutes, ...web, metricField: field });
      assert.equal(raw.length, 60);
      for (const [v] of raw) assert.equal(v, 2);
    }
  });

  it('a number dimension (cores) is its value per matching host, pooled like any metric', () => {
    // eu-west-1: a-host 2 cores, web-1 4, db-1 8; 30 samples each per 5 minutes.
    const eu = { conditions: [stringIs('region', 'eu-west-1')] };
    const one = (method: AggregationMethod) => aggregated('cores', method, eu).map(([v]) => v);
    assert.deepEqual(one('EVENT_COUNT'), [90, 90]);
    assert.deepEqual(one('SUM'), [30 * 14, 30 * 14]);
    assert.deepEqual(one('MIN'), [2, 2]);
    assert.deepEqual(one('MAX'), [8, 8]);
    assertClose(one('MEAN')[0], 14 / 3);
    assert.deepEqual(one('PERCENTILE_50'), [4, 4]);
    // 30 samples each of 2, 4 and 8: the 25th percentile is among the 2s, the 75th among the 8s.
    assert.deepEqual(one('PERCENTILE_25'), [2, 2]);
    assert.deepEqual(one('PERCENTILE_75'), [8, 8]);
    assert.deepEqual(
      rawPoints(source, { ...tenMinutes, ...eu, metricField: 'cores' }).map(([v]) => v),
      Array(60).fill(14),
    );
  });

  it("counts only samples a host has: web-2's outage is 0 events", () => {
    const night = { startTime: T0 + 2.5 * HOUR, endTime: T0 + 4 * HOUR, conditions: [hostIs('web-2')] };
    const counts = aggregatedPoints(source, {
      ...night,
      metricField: 'host',
      aggregation: { method: 'EVENT_COUNT', bucketSizeMillis: 15 * MINUTE },
    });
    assert.deepEqual(
      counts.map(([c]) => c),
      [90, 90, 0, 0, 90, 90],
    );
  });
});

describe('demo profile: raw queries', () => {
  it('samples on the 10 s grid in [startTime, endTime)', () => {
    const points = rawPoints(source, {
      startTime: T0 + 5000,
      endTime: T0 + 40_000,
      conditions: [hostIs('a-host')],
    });
    assert.deepEqual(
      points.map(([, t]) => t - T0),
      [10_000, 20_000, 30_000],
    );
  });

  it('an empty or inverted window gives no points', () => {
    assert.deepEqual(rawPoints(source, { startTime: T0, endTime: T0 }), []);
    assert.deepEqual(rawPoints(source, { startTime: T0 + 5000, endTime: T0 }), []);
    assert.deepEqual(
      aggregatedPoints(source, {
        startTime: T0 + 5000,
        endTime: T0,
        aggregation: { method: 'SUM', bucketSizeMillis: 1 },
      }),
      [],
    );
  });

  it(`caps a wide window at RAW_POINT_CAP (${RAW_POINT_CAP}) points, keeping the earliest, with isPartial`, () => {
    const response = source.metrics(
      metricsQuery({ startTime: T0, endTime: T0 + 30 * DAY, conditions: [hostIs('a-host')] }),
    );
    const points = response.telemetry.points as RawPoint[];
    assert.equal(response.telemetry.isPartial, true);
    assert.equal(points.length, RAW_POINT_CAP);
    assert.equal(points[0]![1], T0);
    assert.equal(points.at(-1)![1], T0 + (RAW_POINT_CAP - 1) * 10_000);
    // The follow-up request the protocol describes continues where this one stopped.
    const next = rawPoints(source, {
      startTime: points.at(-1)![1],
      endTime: T0 + 30 * DAY,
      conditions: [hostIs('a-host')],
    });
    assert.deepEqual(next[0], points.at(-1));
  });

  it('honours a smaller limit, and is not partial when everything fits', () => {
    const cut = source.metrics(metricsQuery({ ...tenMinutes, limit: 5 }));
    assert.equal(cut.telemetry.points.length, 5);
    assert.equal(cut.telemetry.isPartial, true);
    assert.deepEqual(cut.telemetry.points, rawPoints(source, tenMinutes).slice(0, 5));
    const exact = source.metrics(metricsQuery({ ...tenMinutes, limit: 60 }));
    assert.equal(exact.telemetry.points.length, 60);
    assert.equal(exact.telemetry.isPartial, false);
  });

  it("skips web-2's nightly outage (03:00–03:30 UTC)", () => {
    const window = { startTime: T0 + 3 * HOUR - 50_000, endTime: T0 + 3.5 * HOUR + 30_000 };
    assert.deepEqual(
      seriesOf('web-2', 'cpu.usage', window).map(([, t]) => (t - T0 - 3 * HOUR) / 1000),
      [-50, -40, -30, -20, -10, 1800, 1810, 1820],
    );
    // With other series in the mix, the timestamps continue and combine what is there.
    const web = rawPoints(source, {
      ...window,
      conditions: [stringIs('service', 'web')],
      metricField: 'requests.rate',
    });
    assert.equal(web.length, 188);
    const web1 = seriesOf('web-1', 'requests.rate', window);
    assert.deepEqual(web[100], web1[100]);
  });
});

describe('demo profile: aggregated queries', () => {
  const aggregated = (method: AggregationMethod, bucketSizeMillis: number, query = {}) =>
    aggregatedPoints(source, { ...tenMinutes, aggregation: { method, bucketSizeMillis }, ...query });

  it('is exact for every method, against the raw samples of the same window', () => {
    for (const bucketSizeMillis of [2 * MINUTE, 10 * MINUTE]) {
      for (const hosts of [['web-1'], ['web-1', 'web-2', 'db-1']]) {
        const conditions = [condition('host', { _type: 'InSetValue', value: hosts })];
        const perHost = hosts.map((h) => seriesOf(h, 'latency.p95'));
        for (const method of AGGREGATION_METHODS) {
          const points = aggregated(method, bucketSizeMillis, { conditions, metricField: 'latency.p95' });
          assert.equal(points.length, Math.ceil((10 * MINUTE) / bucketSizeMillis));
          for (const [value, start, end] of points) {
            const pooled = perHost.flatMap((series) =>
              series.filter(([, t]) => t >= start && t < end).map(([v]) => v),
            );
            assertClose(value, aggregate(method, pooled), `${method} over ${hosts}`);
          }
        }
      }
    }
  });

  it('pools all samples of the matching series: EVENT_COUNT counts hosts × samples', () => {
    const counts = aggregated('EVENT_COUNT', MINUTE, { conditions: [stringIs('region', 'eu-west-1')] });
    assert.deepEqual(
      counts.map(([c]) => c),
      Array(10).fill(3 * 6),
    );
  });

  it('counts every sample of a 30-day window in 500 buckets: 518 or 519 per bucket, 259,200 in all', () => {
    const month = { startTime: T0, endTime: T0 + 30 * DAY, conditions: [hostIs('a-host')] };
    const bucketSizeMillis = (30 * DAY) / 500;
    const counts = aggregatedPoints(source, {
      ...month,
      aggregation: { method: 'EVENT_COUNT', bucketSizeMillis },
    });
    assert.equal(counts.length, 500);
    for (const [c] of counts) assert.ok(c === 518 || c === 519, `${c}`);
    assert.equal(
      counts.reduce((total, [c]) => total + c, 0),
      30 * 8640,
    );
    const means = aggregatedPoints(source, { ...month, aggregation: { method: 'MEAN', bucketSizeMillis } });
    assert.equal(means.length, 500);
  });

  it("shows web-2's outage: EVENT_COUNT and SUM give 0, the NO_ZEROS methods and MEAN leave it out", () => {
    const night = { startTime: T0 + 2.5 * HOUR, endTime: T0 + 4 * HOUR, conditions: [hostIs('web-2')] };
    const at = (method: AggregationMethod) =>
      aggregatedPoints(source, { ...night, aggregation: { method, bucketSizeMillis: 15 * MINUTE } });
    const startsOf = (points: [number, number, number][]) => points.map(([, start]) => (start - T0) / MINUTE);
    const all = [150, 165, 180, 195, 210, 225];
    assert.deepEqual(startsOf(at('EVENT_COUNT')), all);
    assert.deepEqual(
      at('EVENT_COUNT').map(([c]) => c),
      [90, 90, 0, 0, 90, 90],
    );
    assert.deepEqual(
      at('SUM').map(([s]) => s === 0),
      [false, false, true, true, false, false],
    );
    const withoutOutage = [150, 165, 210, 225];
    for (const method of ['EVENT_COUNT_NO_ZEROS', 'SUM_NO_ZEROS', 'MEAN', 'MAX', 'PERCENTILE_50'] as const) {
      assert.deepEqual(startsOf(at(method)), withoutOutage, method);
    }
  });

  it('keeps a last partial bucket, ending at endTime', () => {
    const points = aggregated('EVENT_COUNT', 4 * MINUTE, { conditions: [hostIs('db-1')] });
    assert.deepEqual(points, [
      [24, tenMinutes.startTime, tenMinutes.startTime + 4 * MINUTE],
      [24, tenMinutes.startTime + 4 * MINUTE, tenMinutes.startTime + 8 * MINUTE],
      [12, tenMinutes.startTime + 8 * MINUTE, tenMinutes.endTime],
    ]);
  });

  it('honours limit with isPartial', () => {
    const query = metricsQuery({
      ...tenMinutes,
      limit: 3,
      aggregation: { method: 'MEAN', bucketSizeMillis: MINUTE },
    });
    const cut = source.metrics(query);
    assert.equal(cut.telemetry.points.length, 3);
    assert.equal(cut.telemetry.isPartial, true);
    assert.deepEqual(cut.telemetry.points, aggregated('MEAN', MINUTE).slice(0, 3));
    const all = source.metrics({ ...query, limit: 10 });
    assert.equal(all.telemetry.points.length, 10);
    assert.equal(all.telemetry.isPartial, false);
  });

  it(`answers the first PROMISED_BUCKETS (${PROMISED_BUCKETS}) buckets of a longer window, with isPartial`, () => {
    const query = {
      startTime: T0,
      endTime: T0 + DAY,
      conditions: [hostIs('a-host')],
      aggregation: { method: 'MEAN' as const, bucketSizeMillis: 1000 },
    };
    const first = source.metrics(metricsQuery(query));
    assert.equal(first.telemetry.isPartial, true);
    const points = aggregatedPointsOf(first);
    // One sample every 10 s: a tenth of the 1 s buckets hold one.
    assert.equal(points.length, PROMISED_BUCKETS / 10);
    assert.ok(points.at(-1)![2] <= T0 + PROMISED_BUCKETS * 1000, 'no bucket past the first PROMISED_BUCKETS');
    // Exactly PROMISED_BUCKETS is one whole answer.
    const atCap = source.metrics(metricsQuery({ ...query, endTime: T0 + PROMISED_BUCKETS * 1000 }));
    assert.equal(atCap.telemetry.isPartial, false);
    assert.deepEqual(aggregatedPointsOf(atCap), points);
  });
});

describe('demo profile: incidents', () => {
  const start = T0 + 14 * HOUR + 2 * MINUTE;
  const spike = requestSpikeOnWeb1(start);

  it('multiplies the chosen metric of the chosen series, only while active', () => {
    const quiet = createDemoAnswers();
    const busy = createDemoAnswers();
    busy.setIncidents([spike]);
    const series = (s: typeof quiet, host: string, metricField: string) =>
      rawPoints(s, { ...tenMinutes, conditions: [hostIs(host)], metricField });
    const before = series(quiet, 'web-1', 'requests.rate');
    const during = series(busy, 'web-1', 'requests.rate');
    during.forEach(([value, t], i) => {
      const active = t >= start && t < start + 3 * MINUTE;
      assertClose(value, active ? 3 * before[i]![0] : before[i]![0], new Date(t).toISOString());
    });
    assert.deepEqual(series(busy, 'web-2', 'requests.rate'), series(quiet, 'web-2', 'requests.rate'));
    assert.deepEqual(series(busy, 'web-1', 'cpu.usage'), series(quiet, 'web-1', 'cpu.usage'));
  });

  it('clamps percentages at 100, and matches series by any dimension', () => {
    const busy = createDemoAnswers();
    busy.setIncidents([
      { ...spike, series: { service: 'web', region: 'eu-west-1' }, metric: 'cpu.usage', factor: 50 },
    ]);
    const during = { startTime: start, endTime: start + MINUTE };
    for (const [value] of rawPoints(busy, { ...during, conditions: [hostIs('web-1')] }))
      assert.equal(value, 100);
    assert.deepEqual(
      rawPoints(busy, { ...during, conditions: [hostIs('web-2')] }),
      rawPoints(source, { ...during, conditions: [hostIs('web-2')] }),
    );
  });

  it('shows in a 30-day chart: MAX rises in the bucket that holds a 3-minute spike', () => {
    const busy = createDemoAnswers();
    busy.setIncidents([spike]);
    const month = {
      startTime: T0 - 15 * DAY,
      endTime: T0 + 15 * DAY,
      conditions: [hostIs('web-1')],
      metricField: 'requests.rate',
      aggregation: { method: 'MAX' as const, bucketSizeMillis: (30 * DAY) / 500 },
    };
    const quietMax = aggregatedPoints(source, month);
    const busyMax = aggregatedPoints(busy, month);
    const spiked = busyMax.findIndex(([, s, e]) => s <= start && start < e);
    assert.ok(
      busyMax[spiked]![0] > 2 * quietMax[spiked]![0],
      `${busyMax[spiked]![0]} vs ${quietMax[spiked]![0]}`,
    );
    busyMax.forEach((point, i) => {
      if (i !== spiked) assert.deepEqual(point, quietMax[i]);
    });
  });

  it('replaces the set on each call, and an empty set ends them', () => {
    const busy = createDemoAnswers();
    const query = { ...tenMinutes, conditions: [hostIs('web-1')], metricField: 'requests.rate' };
    busy.setIncidents([spike]);
    assert.notDeepEqual(rawPoints(busy, query), rawPoints(source, query));
    busy.setIncidents([{ ...spike, series: { host: 'db-1' } }]);
    assert.deepEqual(rawPoints(busy, query), rawPoints(source, query));
    busy.setIncidents([spike]);
    busy.setIncidents([]);
    assert.deepEqual(rawPoints(busy, query), rawPoints(source, query));
  });

  it('an incident on an unknown dimension touches nothing', () => {
    const busy = createDemoAnswers();
    busy.setIncidents([{ ...spike, series: { datacenter: 'x' } }]);
    assert.deepEqual(
      rawPoints(busy, { ...tenMinutes, metricField: 'requests.rate' }),
      rawPoints(source, {
        ...tenMinutes,
        metricField: 'requests.rate',
      }),
    );
  });
});

describe('demo profile: properties', () => {
  it('aggregated windows tile the query window and never end past endTime', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 * DAY }),
        fc.integer({ min: 1, max: 6 * HOUR }),
        fc.integer({ min: MINUTE, max: HOUR }),
        fc.constantFrom(...AGGREGATION_METHODS),
        (offset, width, bucketSizeMillis, method) => {
          const startTime = T0 + offset;
          const endTime = startTime + width;
          const points = aggregatedPoints(source, {
            startTime,
            endTime,
            aggregation: { method, bucketSizeMillis },
          });
          for (const [value, start, end] of points) {
            assert.ok(Number.isFinite(value));
            assert.ok(start >= startTime && end <= endTime && start < end);
            assert.equal((start - startTime) % bucketSizeMillis, 0);
          }
          if (method === 'EVENT_COUNT') assert.equal(points.length, Math.ceil(width / bucketSizeMillis));
        },
      ),
      { numRuns: 60 },
    );
  });
});
