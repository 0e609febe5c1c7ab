import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decimate,
  formatSpan,
  formatValue,
  valueDomain,
  valueTicks,
} from '../../renderer/src/lib/chart-scale';
import {
  type MetricQuery,
  methodRun,
  parseMetricQuery,
  parseMetricResponse,
  seriesStats,
} from '../../renderer/src/lib/metric-series';

/** A raw MetricsResponse as the mirror sends it, with the positions in `dataFormat`'s order. */
const rawAnswer = (dataFormat: string[], points: number[][]) =>
  JSON.stringify({
    _type: 'MetricsResponse',
    telemetry: { _type: 'RawMetricTelemetry', dataFormat, points, isPartial: false },
  });

const raw = rawAnswer(
  ['value', 'timestamp'],
  [
    [1.0, 1555408501000],
    [3.0, 1555408601000],
    [2.0, 1555408701000],
  ],
);

const aggregated = JSON.stringify({
  _type: 'MetricsResponse',
  telemetry: {
    _type: 'AggregatedMetricTelemetry',
    dataFormat: ['value', 'startTimestamp', 'endTimestamp'],
    points: [
      [1.0, 1555408500000, 1555408560000],
      [null, 1555408560000, 1555408620000],
      [2.0, 1555408620000, 1555408680000],
    ],
    isPartial: true,
  },
});

const request = (method: string | null, conditions: unknown = [], field = 'cpu.usage') =>
  JSON.stringify({
    _type: 'MetricsRequest',
    connectionDetails: {},
    query: {
      _type: 'MetricsQuery',
      conditions,
      startTime: 1,
      endTime: 2,
      metricField: field,
      ...(method ? { aggregation: { _type: 'Aggregation', method, bucketSizeMillis: 60_000 } } : {}),
    },
  });

describe('metric answers as series', () => {
  it('reads a raw answer: value first, then the timestamp', () => {
    const series = parseMetricResponse(raw)!;
    assert.equal(series.kind, 'raw');
    assert.deepEqual([...series.values], [1, 3, 2]);
    assert.deepEqual([...series.starts], [1555408501000, 1555408601000, 1555408701000]);
    assert.deepEqual(seriesStats(series), {
      count: 3,
      gaps: 0,
      min: 1,
      max: 3,
      from: 1555408501000,
      to: 1555408701000,
    });
  });

  it('reads an aggregated answer with its buckets, a point without a value as a gap, and isPartial', () => {
    const series = parseMetricResponse(aggregated)!;
    assert.equal(series.kind, 'aggregated');
    assert.equal(series.isPartial, true);
    assert.deepEqual([...series.ends], [1555408560000, 1555408620000, 1555408680000]);
    assert.ok(Number.isNaN(series.values[1]));
    const stats = seriesStats(series)!;
    assert.equal(stats.count, 2);
    assert.equal(stats.gaps, 1);
    assert.equal(stats.to, 1555408680000, 'the range ends where the last bucket ends');
  });

  it('follows dataFormat when it orders the positions differently, and sorts points by time', () => {
    const swapped = rawAnswer(
      ['timestamp', 'value'],
      [
        [2000, 5],
        [1000, 4],
      ],
    );
    const series = parseMetricResponse(swapped)!;
    assert.deepEqual([...series.starts], [1000, 2000]);
    assert.deepEqual([...series.values], [4, 5]);
  });

  it('is null for what is not a metric answer: an error body, a body cut short, another operation', () => {
    assert.equal(parseMetricResponse('{"_type":"RemoteMirrorError","summary":"x"}'), null);
    assert.equal(parseMetricResponse(raw.slice(0, 80)), null);
    assert.equal(parseMetricResponse('{"_type":"TestConnectionResponse","status":"OK"}'), null);
  });

  it('reads what the request asked: field, conditions, method and bucket size', () => {
    const query = parseMetricQuery(request('MEAN', [{ key: 'host', value: 'a' }]))!;
    assert.equal(query.field, 'cpu.usage');
    assert.equal(query.method, 'MEAN');
    assert.equal(query.bucketSizeMillis, 60_000);
    assert.equal(parseMetricQuery(request(null))?.method, null);
    assert.equal(parseMetricQuery('not json'), null);
  });
});

describe('methods asked in a row', () => {
  const q = (method: string | null, host = 'a', field = 'cpu.usage'): MetricQuery =>
    parseMetricQuery(request(method, [{ _type: 'EqualityCondition', key: 'host', value: host }], field))!;

  it('groups adjacent requests about one series with different methods', () => {
    const log = [q('MEAN', 'b'), q('MEAN'), q('MIN'), q('MAX'), null, q('SUM')];
    assert.deepEqual(methodRun(log, 2), [1, 2, 3]);
    assert.deepEqual(methodRun(log, 5), [5], 'not across another request');
  });

  it('matches conditions whatever the order of their keys, and not another field', () => {
    const reordered = parseMetricQuery(
      request('MAX', [{ value: 'a', key: 'host', _type: 'EqualityCondition' }]),
    )!;
    assert.deepEqual(methodRun([q('MEAN'), reordered], 0), [0, 1]);
    assert.deepEqual(methodRun([q('MEAN'), q('MAX', 'a', 'mem')], 0), [0]);
  });

  it('needs the same time window (within a minute): a chart asks for all its methods at once', () => {
    const at = (method: string, start: number) => ({
      ...q(method),
      startTime: start,
      endTime: start + 3_600_000,
    });
    assert.deepEqual(methodRun([at('MEAN', 0), at('MAX', 30_000)], 0), [0, 1]);
    assert.deepEqual(methodRun([at('MEAN', 0), at('MAX', 3_600_000)], 0), [0]);
  });

  it('keeps each method once: the request nearest to the one shown', () => {
    const log = [q('MEAN'), q('MAX'), q('MEAN'), q('MAX')];
    assert.deepEqual(methodRun(log, 2), [1, 2]);
  });
});

describe('chart scales', () => {
  it('puts value ticks on round numbers inside the range', () => {
    assert.deepEqual(valueTicks(0, 100, 4), [0, 25, 50, 75, 100]);
    assert.deepEqual(valueTicks(0.1, 0.35, 4), [0.1, 0.2, 0.3]);
    assert.deepEqual(valueTicks(5, 5), [5]);
  });

  it('starts small positive values at 0 and never gives an empty range', () => {
    assert.deepEqual(valueDomain(3, 90), [0, 90]);
    assert.deepEqual(valueDomain(80, 90), [80, 90]);
    assert.deepEqual(valueDomain(5, 5), [4.5, 5.5]);
    assert.deepEqual(valueDomain(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY), [0, 1]);
  });

  it('says bucket sizes in words and values without float noise', () => {
    assert.equal(formatSpan(60_000), '1 min');
    assert.equal(formatSpan(3_600_000), '1 h');
    assert.equal(formatSpan(30_000), '30 s');
    assert.equal(formatSpan(90_000), '1.5 min');
    assert.equal(formatSpan(250), '250 ms');
    assert.equal(formatValue(0.1 + 0.2), '0.3');
    assert.equal(formatValue(Number.NaN), '—');
  });

  it('decimates 10,000 points to one min and max per pixel column, keeping every peak', () => {
    const n = 10_000;
    const starts = new Float64Array(n);
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      starts[i] = i * 1000;
      values[i] = Math.sin(i / 50);
    }
    values[5011] = 42; // one spike, inside a column (not its first point)
    values[7000] = Number.NaN;
    const { min, max } = decimate(starts, values, 0, (n - 1) * 1000, 300);
    assert.equal(min.length, 300);
    assert.equal(Math.max(...max), 42, 'the spike survives');
    assert.ok(
      min.every((v) => !Number.isNaN(v)),
      'every column has points',
    );
    // Generous for a loaded machine: it takes well under a millisecond on an idle one.
    const started = performance.now();
    for (let k = 0; k < 20; k++) decimate(starts, values, 0, (n - 1) * 1000, 800);
    const each = (performance.now() - started) / 20;
    assert.ok(each < 25, `decimating 10,000 points took ${each.toFixed(2)} ms`);
  });
});
