// The prometheus source computing where the data lives, against a real Prometheus holding 26 hours
// of backfilled 15 s history over 60+ series (prometheus-history.ts): every method against the
// samples Prometheus stores and against Prometheus's own PromQL at each bucket's end − 1 ms; the
// answer computed in Prometheus against the mirror's own path on samples; two metric names with the
// same labels; counters with resets against increase() and rate(); a histogram's PERCENTILE_95
// against histogram_quantile; the PromQL field; eight concurrent large queries. What the mirror
// does past the samples it may hold: prometheus-bounds.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ExchangeFinding } from '../../server/protocol/exchange';
import {
  AGGREGATION_METHODS,
  type AggregationMethod,
  type EqualityCondition,
  type MetricsQuery,
} from '../../server/protocol/messages';
import { createPrometheusSource } from '../../server/telemetry/prometheus';
import { targetFor } from '../../server/telemetry/prometheus-client';
import { labelSetsOf, poolingNote } from '../../server/telemetry/prometheus-pooling';
import type { TelemetrySource } from '../../server/telemetry/source';
import { send, startTestMirror } from '../mirror/helpers';
import {
  aggregatedPointsOf,
  HOUR,
  MINUTE,
  metricsQuery,
  rawPointsOf,
  sourceContext,
  stringIs,
} from './helpers';
import { expectedFrom } from './prometheus-fixture';
import { assertSame, type HistoryFixture, historyMissing, startHistory } from './prometheus-history';

const missing = historyMissing();
const HOSTS = 60;
const inSet = (key: string, value: string[]): EqualityCondition => ({
  _type: 'EqualityCondition',
  key,
  value: { _type: 'InSetValue', value },
});
const LOAD = [stringIs('__name__', 'hist_load')];

describe('the prometheus source over days of backfilled history', { skip: missing ?? false }, () => {
  let history: HistoryFixture;
  let source: TelemetrySource;
  let samplesSource: TelemetrySource;
  let notes: ExchangeFinding[] = [];
  const context = () => sourceContext((finding) => notes.push(finding));
  /** A window on the minute (samples of series 0 on its buckets' edges, of series 1 1 ms before). */
  let start = 0;

  before(async () => {
    history = await startHistory({ hosts: HOSTS, hours: 26 });
    source = createPrometheusSource({ url: history.url });
    samplesSource = createPrometheusSource({ url: history.url, aggregateIn: 'samples' });
    start = history.start + 7 * MINUTE;
  });
  after(async () => {
    await history?.stop();
  });

  const ask = async (
    over: TelemetrySource,
    query: Partial<MetricsQuery> & Pick<MetricsQuery, 'startTime' | 'endTime'>,
  ) => {
    notes = [];
    return aggregatedPointsOf(await over.metrics(metricsQuery(query), context()));
  };
  const aggregation = (method: AggregationMethod, bucketSizeMillis = MINUTE) => ({
    _type: 'Aggregation' as const,
    method,
    bucketSizeMillis,
  });

  const promqlByBucket = (expression: string, first: number, last: number, bucket: number) =>
    history.promqlByBucket(expression, first, last, bucket);
  const samplesByBucket = (selector: string, s: number, e: number, bucket: number) =>
    history.samplesByBucket(selector, s, e, bucket);

  test(`every method pooled over ${HOSTS} series equals the stored samples, and Prometheus's own PromQL where it has one`, async () => {
    const end = start + 6 * HOUR + 17_000;
    const pools = await samplesByBucket('hist_load', start, end, MINUTE);
    assert.ok(
      pools.get(start)!.length >= 4 * HOSTS - 1,
      'each minute holds about four samples of each series',
    );
    const own: Partial<Record<AggregationMethod, (s: string, r: string) => string>> = {
      MAX: (s, r) => `max(max_over_time(${s}${r}))`,
      MIN: (s, r) => `min(min_over_time(${s}${r}))`,
      SUM: (s, r) => `sum(sum_over_time(${s}${r}))`,
      EVENT_COUNT: (s, r) => `sum(count_over_time(${s}${r}))`,
      MEAN: (s, r) => `sum(sum_over_time(${s}${r})) / sum(count_over_time(${s}${r}))`,
    };
    for (const method of AGGREGATION_METHODS) {
      const points = await ask(source, {
        conditions: LOAD,
        startTime: start,
        endTime: end,
        aggregation: aggregation(method),
      });
      assert.equal(points.length, 361, `${method}: 360 whole minutes and the last 17 s`);
      assert.deepEqual(
        points.at(-1)!.slice(1),
        [end - 17_000, end],
        `${method}: the last bucket ends with the window`,
      );
      for (const [value, at] of points)
        assertSame(value, expectedFrom(pools.get(at) ?? [], method), `${method} at ${at}`);
      const expression = own[method];
      if (expression) {
        const theirs = await promqlByBucket(
          expression('hist_load', '[59999ms]'),
          start,
          end - 17_000 - MINUTE,
          MINUTE,
        );
        for (const [value, at] of points.slice(0, -1))
          assertSame(value, theirs.get(at), `${method} against PromQL at ${at}`);
      }
      assert.match(
        notes.map((n) => n.message).join('\n'),
        new RegExp(`${HOSTS} series pooled by ${method}.*differ in dc, host, quarter`),
      );
    }
  });

  test('the label sets read to say what is pooled stop at a bound, and the note then says "more than"', async () => {
    const target = targetFor({ url: history.url }, {});
    const window = { start, end: start + HOUR };
    const all = await labelSetsOf(target, 'hist_load', window, context());
    assert.equal(all.sets.length, HOSTS);
    assert.equal(all.more, false);
    // Prometheus 2.42 ignores `limit` and sends all 60; 2.51 and later stop at 6. Either way, 5 are kept.
    const first = await labelSetsOf(target, 'hist_load', window, context(), 5);
    assert.equal(first.sets.length, 5);
    assert.equal(first.more, true);
    assert.match(
      poolingNote(first, 'MEAN', new Set(['gauge']))?.message ?? '',
      /^More than 5 series pooled by MEAN over the samples of all of them together; they differ in .*host.* \(among the first 5\)\.$/,
    );
  });

  test('a window past MAX_BUCKETS is answered in parts; the follow-ups from each last point give every bucket exactly', async () => {
    const end = start + 20 * HOUR;
    const bucket = 5_000; // 14,400 buckets: two answers
    const pools = await samplesByBucket('hist_load', start, end, bucket);
    const assembled: number[][] = [];
    let from = start;
    for (let answers = 1; ; answers++) {
      notes = [];
      const response = await source.metrics(
        metricsQuery({
          conditions: LOAD,
          startTime: from,
          endTime: end,
          aggregation: aggregation('MAX', bucket),
        }),
        context(),
      );
      const part = aggregatedPointsOf(response);
      assembled.push(...part);
      if (!response.telemetry.isPartial) {
        assert.equal(answers, 2, 'answers it took');
        break;
      }
      assert.ok(part.length > 0, 'a partial answer has a last point to continue from');
      from = part.at(-1)![2];
    }
    const expected = [...pools.entries()].filter(([, values]) => values.length > 0).sort(([a], [b]) => a - b);
    assert.equal(assembled.length, expected.length, 'buckets with samples');
    assembled.forEach(([value, at], i) => {
      assert.equal(at, expected[i]![0], `bucket ${i}`);
      assertSame(value, expectedFrom(expected[i]![1], 'MAX'), `MAX at ${at}`);
    });
  });

  test('the answer computed in Prometheus equals the mirror path on samples, method by method, at an odd bucket size', async () => {
    const end = start + 2 * HOUR;
    const conditions = [...LOAD, stringIs('dc', 'b')];
    for (const method of AGGREGATION_METHODS) {
      const query = {
        conditions,
        startTime: start,
        endTime: end,
        aggregation: aggregation(method, 7 * MINUTE + 13_007),
      };
      const [inPrometheus, onSamples] = [await ask(source, query), await ask(samplesSource, query)];
      assert.equal(inPrometheus.length, onSamples.length, method);
      inPrometheus.forEach((point, i) => {
        assert.deepEqual(point.slice(1), onSamples[i]!.slice(1), `${method}: the same buckets`);
        assertSame(point[0], onSamples[i]![0], `${method} at ${point[1]}`);
      });
    }
  });

  test('two metric names with the same labels pool, and a label as the Select field counts over every metric that has it', async () => {
    const end = start + 3 * HOUR;
    const both = inSet('__name__', ['hist_load', 'hist_load5']);
    const pools = await samplesByBucket(
      '{__name__=~"hist_load|hist_load5",host=~"h00[0-3]"}',
      start,
      end,
      MINUTE,
    );
    const hosts = inSet('host', ['h000', 'h001', 'h002', 'h003']);
    for (const method of ['MEAN', 'MAX', 'PERCENTILE_90'] as const) {
      const points = await ask(source, {
        conditions: [both, hosts],
        startTime: start,
        endTime: end,
        aggregation: aggregation(method),
      });
      assert.equal(points.length, 180);
      for (const [value, at] of points)
        assertSame(value, expectedFrom(pools.get(at) ?? [], method), `${method} at ${at}`);
      assert.match(
        notes.map((n) => n.message).join('\n'),
        /8 series pooled .*differ in __name__, dc, host, quarter/,
      );
    }
    // `host` as the Select field, no metric named: every sample of every series with a host in dc a.
    const counted = await ask(source, {
      conditions: [stringIs('dc', 'a')],
      metricField: 'host',
      startTime: start,
      endTime: end,
      aggregation: aggregation('EVENT_COUNT'),
    });
    const theirs = await promqlByBucket(
      'sum(count_over_time(hist_load{dc="a"}[59999ms])) + sum(count_over_time(hist_load5{dc="a"}[59999ms]))',
      start,
      end - MINUTE,
      MINUTE,
    );
    assert.equal(counted.length, 180);
    for (const [value, at] of counted) assert.equal(value, theirs.get(at), `EVENT_COUNT at ${at}`);
  });

  test('a counter with resets: SUM is increase(), MEAN is rate(), over the bucket, added over series', async () => {
    const end = start + 8 * HOUR;
    const bucket = 10 * MINUTE;
    const counter = [stringIs('__name__', 'hist_requests_total')];
    const sum = await ask(source, {
      conditions: counter,
      startTime: start,
      endTime: end,
      aggregation: aggregation('SUM', bucket),
    });
    const mean = await ask(source, {
      conditions: counter,
      startTime: start,
      endTime: end,
      aggregation: aggregation('MEAN', bucket),
    });
    const last = end - bucket;
    const increase = await promqlByBucket(
      'sum(increase(hist_requests_total[599999ms]))',
      start,
      last,
      bucket,
    );
    const rate = await promqlByBucket('sum(rate(hist_requests_total[599999ms]))', start, last, bucket);
    const resets = await promqlByBucket('sum(resets(hist_requests_total[599999ms]))', start, last, bucket);
    assert.equal(sum.length, 48);
    for (const [value, at] of sum) assert.equal(value, increase.get(at), `SUM at ${at}`);
    for (const [value, at] of mean) assert.equal(value, rate.get(at), `MEAN at ${at}`);
    const withReset = sum.filter(([, at]) => (resets.get(at) ?? 0) > 0);
    assert.ok(withReset.length >= 6, `buckets with a reset: ${withReset.length}`);
    for (const [value] of withReset) assert.ok(value > 0, 'a reset does not make the increase negative');
    assert.match(
      notes.map((n) => n.message).join('\n'),
      /hist_requests_total is a counter.*6 series pooled by MEAN: their per-second rates added/s,
    );
    // A counter without a _total name or a type: a gauge, unless the user says `__counter__`.
    const bytes = [stringIs('__name__', 'hist_bytes_out')];
    const asGauge = await ask(source, {
      conditions: bytes,
      startTime: start,
      endTime: end,
      aggregation: aggregation('SUM', bucket),
    });
    const asCounter = await ask(source, {
      conditions: bytes,
      metricField: '__counter__',
      startTime: start,
      endTime: end,
      aggregation: aggregation('SUM', bucket),
    });
    const bytesIncrease = await promqlByBucket(
      'sum(increase(hist_bytes_out[599999ms]))',
      start,
      last,
      bucket,
    );
    const bytesSum = await promqlByBucket(
      'sum(sum_over_time(hist_bytes_out[599999ms]))',
      start,
      last,
      bucket,
    );
    for (const [value, at] of asCounter)
      assert.equal(value, bytesIncrease.get(at), `__counter__ SUM at ${at}`);
    for (const [value, at] of asGauge) assert.equal(value, bytesSum.get(at), `gauge SUM at ${at}`);
    // And a counter by its name read as a gauge when the user says `__gauge__`.
    const requestsSum = await promqlByBucket(
      'sum(sum_over_time(hist_requests_total[599999ms]))',
      start,
      last,
      bucket,
    );
    const requestsAsGauge = await ask(source, {
      conditions: counter,
      metricField: '__gauge__',
      startTime: start,
      endTime: end,
      aggregation: aggregation('SUM', bucket),
    });
    assert.equal(requestsAsGauge.length, 48);
    for (const [value, at] of requestsAsGauge)
      assert.equal(value, requestsSum.get(at), `__gauge__ SUM at ${at}`);
  });

  test("a histogram's PERCENTILE_95 is histogram_quantile over the bucket's increase; its _count is a counter without metadata", async () => {
    const end = start + 4 * HOUR;
    const bucket = 5 * MINUTE;
    const last = end - bucket;
    const p95 = await ask(source, {
      conditions: [stringIs('__name__', 'hist_latency_seconds_bucket')],
      startTime: start,
      endTime: end,
      aggregation: aggregation('PERCENTILE_95', bucket),
    });
    const theirs = await promqlByBucket(
      'histogram_quantile(0.95, sum by (le) (increase(hist_latency_seconds_bucket[299999ms])))',
      start,
      last,
      bucket,
    );
    assert.equal(p95.length, 48);
    for (const [value, at] of p95) assert.equal(value, theirs.get(at), `PERCENTILE_95 at ${at}`);
    assert.ok(
      p95.every(([value]) => value > 0.5 && value < 2.5),
      'between the 0.5 and 2.5 bounds',
    );
    const count = await ask(source, {
      conditions: [stringIs('__name__', 'hist_latency_seconds_count')],
      startTime: start,
      endTime: end,
      aggregation: aggregation('SUM', bucket),
    });
    const increase = await promqlByBucket(
      'sum(increase(hist_latency_seconds_count[299999ms]))',
      start,
      last,
      bucket,
    );
    for (const [value, at] of count) assert.equal(value, increase.get(at), `_count SUM at ${at}`);
  });

  test('a PromQL field (~) is what Prometheus computes at each bucket end − 1 ms; several series pool by the method', async () => {
    const end = start + 2 * HOUR;
    const expression = 'sum by (host) (rate(hist_requests_total[$bucket]))';
    const points = await ask(source, {
      metricField: `~${expression}`,
      startTime: start,
      endTime: end,
      aggregation: aggregation('MAX', 10 * MINUTE),
    });
    const theirs = await promqlByBucket(
      `max(${expression.replace('$bucket', '599999ms')})`,
      start,
      end - 10 * MINUTE,
      10 * MINUTE,
    );
    assert.equal(points.length, 12);
    for (const [value, at] of points) assert.equal(value, theirs.get(at), `MAX at ${at}`);
    assert.match(notes.map((n) => n.message).join('\n'), /PromQL field gives up to 6 series: MAX pools/);
    // Raw: evaluated every second (10 minutes stay under the point cap), one series.
    const raw = await source.metrics(
      metricsQuery({ metricField: '~count(hist_load)', startTime: start, endTime: start + 10 * MINUTE }),
      context(),
    );
    const rawPoints = rawPointsOf(raw);
    assert.equal(rawPoints.length, 600);
    assert.ok(
      rawPoints.every(([value]) => value === HOSTS),
      `count(hist_load) is ${HOSTS} every second`,
    );
    await assert.rejects(
      source.metrics(
        metricsQuery({ metricField: '~hist_load', startTime: start, endTime: start + MINUTE }),
        context(),
      ),
      /The PromQL field gives 60 series; raw points must be one/,
    );
  });

  test('a scalar PromQL field is one series, in the whole buckets and in a short last one', async () => {
    const points = await ask(source, {
      metricField: '~scalar(count(hist_load))',
      startTime: start,
      endTime: start + HOUR + 17_000,
      aggregation: aggregation('MAX', 10 * MINUTE),
    });
    assert.equal(points.length, 7, 'six whole buckets and the last 17 s');
    assert.ok(
      points.every(([value]) => value === HOSTS),
      `scalar(count(hist_load)) is ${HOSTS} in every bucket: ${JSON.stringify(points)}`,
    );
  });

  test('a PromQL field over a window past 10,000 buckets says isPartial, and its follow-up gives the rest', async () => {
    const end = start + 20 * HOUR;
    const bucket = 5_000; // 14,400 buckets: two answers
    const ask = (from: number) =>
      source.metrics(
        metricsQuery({
          metricField: '~count(hist_load)',
          startTime: from,
          endTime: end,
          aggregation: aggregation('MAX', bucket),
        }),
        context(),
      );
    const first = await ask(start);
    const firstPoints = aggregatedPointsOf(first);
    assert.equal(first.telemetry.isPartial, true, 'the first answer says there is more');
    assert.equal(firstPoints.length, 10_000);
    const rest = await ask(firstPoints.at(-1)![2]);
    assert.equal(rest.telemetry.isPartial, false);
    const all = [...firstPoints, ...aggregatedPointsOf(rest)];
    assert.equal(all.length, 14_400, 'every bucket, once');
    assert.ok(
      all.every(([value]) => value === HOSTS),
      `count(hist_load) is ${HOSTS} in every bucket of both answers`,
    );
    assert.deepEqual(
      all.map(([, from]) => from),
      Array.from({ length: 14_400 }, (_, i) => start + i * bucket),
      'the buckets follow on, edge to edge',
    );
  });

  test('eight concurrent large queries (60 series × 25 h, per minute) through the mirror are all answered, and logged as pooled', async () => {
    const { mirror, exchanges } = await startTestMirror({ source });
    try {
      const end = start + 25 * HOUR;
      const methods = ['MEAN', 'MAX', 'MIN', 'SUM', 'EVENT_COUNT', 'SUM_NO_ZEROS', 'MEAN', 'MAX'] as const;
      const answers = await Promise.all(
        methods.map((method) =>
          send(mirror.port, {
            path: '/api/metric',
            body: {
              _type: 'MetricsRequest',
              connectionDetails: {},
              query: { conditions: LOAD, startTime: start, endTime: end, aggregation: aggregation(method) },
            },
          }),
        ),
      );
      for (const [i, answer] of answers.entries()) {
        assert.equal(answer.status, 200, `${methods[i]}: ${answer.text.slice(0, 300)}`);
        const points = (answer.json() as { telemetry: { points: unknown[] } }).telemetry.points;
        assert.equal(points.length, 1500, `${methods[i]} answered in full`);
      }
      for (const exchange of exchanges) {
        const pooled = exchange.findings?.find((f) => f.id === 'pooled-series');
        assert.match(pooled?.message ?? '', /^60 series pooled by .*; they differ in dc, host, quarter\.$/);
      }
      assert.equal(exchanges.length, 8);
    } finally {
      await mirror.close();
    }
  });
});

if (missing) test('the prometheus tests over backfilled history', (t) => t.skip(missing));
