// The prometheus source's PromQL and counter arithmetic, without a Prometheus binary: the
// expressions sent for each method and kind (escaped selectors, names pooled without colliding),
// a counter's per-second rates through a reset, query_range split at 11,000 points, the search for
// a partial raw window that is never empty, and the labels named when series are pooled.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EqualityCondition } from '../../server/protocol/messages';
import { differingLabels, severalSeriesError } from '../../server/telemetry/prometheus-pooling';
import { bucketExpression, type MetricGroup } from '../../server/telemetry/prometheus-promql';
import { rangeChunks } from '../../server/telemetry/prometheus-range';
import { partialEnd } from '../../server/telemetry/prometheus-raw';
import { asRates } from '../../server/telemetry/prometheus-samples';
import { nameMatcher, selectionOf, selectorText } from '../../server/telemetry/prometheus-selector';
import { stringIs } from './helpers';

/** Prometheus refuses a range query of more than 11,000 points a series (docs/prometheus.md). */
const PROMETHEUS_POINTS_PER_SERIES = 11_000;

const inSet = (key: string, value: string[]): EqualityCondition => ({
  _type: 'EqualityCondition',
  key,
  value: { _type: 'InSetValue', value },
});

describe('the PromQL of each method', () => {
  const hostile = stringIs('job', '"} or vector(1) or {a="\\');
  const selection = selectionOf([hostile])!;
  const group = (name: string, kind: MetricGroup['kind']): MetricGroup => ({
    selector: selectorText([nameMatcher(name), ...selection.matchers]),
    kind,
  });
  const load = group('node_load1', 'gauge');

  test('a gauge: exact pooled PromQL over [b−1ms], every value escaped', () => {
    assert.equal(load.selector, '{__name__="node_load1",job="\\"} or vector(1) or {a=\\"\\\\"}');
    const r = '[59999ms]';
    assert.equal(bucketExpression('MAX', [load], false)!(r), `max(max_over_time(${load.selector}${r}))`);
    assert.equal(
      bucketExpression('EVENT_COUNT', [load], false)!(r),
      `sum(count_over_time(${load.selector}${r}))`,
    );
    assert.equal(
      bucketExpression('MEAN', [load], false)!(r),
      `sum(sum_over_time(${load.selector}${r})) / sum(count_over_time(${load.selector}${r}))`,
    );
    assert.equal(
      bucketExpression('PERCENTILE_90', [load], true)!(r),
      `max(quantile_over_time(0.9, ${load.selector}${r}))`,
    );
    // Percentiles over several series and EVENT_COUNT_NO_ZEROS have no exact PromQL.
    assert.equal(bucketExpression('PERCENTILE_90', [load], false), null);
    assert.equal(bucketExpression('EVENT_COUNT_NO_ZEROS', [load], false), null);
  });

  test('two metric names are aggregated apart, tagged, then pooled: count_over_time drops __name__', () => {
    const five = group('node_load5', 'gauge');
    const r = '[299999ms]';
    const tag = (inner: string, i: number) => `label_replace(${inner}, "mirror_group", "${i}", "", "")`;
    assert.equal(
      bucketExpression('MAX', [load, five], false)!(r),
      `max(${tag(`max(max_over_time(${load.selector}${r}))`, 0)} or ${tag(`max(max_over_time(${five.selector}${r}))`, 1)})`,
    );
  });

  test('a counter: SUM is increase(), MEAN is rate(), added over series; its MAX is left to the samples', () => {
    const requests = group('http_requests_total', 'counter');
    const r = '[59999ms]';
    assert.equal(bucketExpression('SUM', [requests], false)!(r), `sum(increase(${requests.selector}${r}))`);
    assert.equal(bucketExpression('MEAN', [requests], false)!(r), `sum(rate(${requests.selector}${r}))`);
    assert.equal(bucketExpression('MAX', [requests], false), null);
    assert.equal(
      bucketExpression('SUM_NO_ZEROS', [requests], false)!(r),
      `sum(increase(${requests.selector}${r})) != 0`,
    );
    // A counter and a gauge have no common MEAN.
    assert.equal(bucketExpression('MEAN', [requests, load], false), null);
  });

  test("a histogram's percentile is histogram_quantile over the increase of its buckets, by le", () => {
    const buckets = group('latency_seconds_bucket', 'histogram');
    assert.equal(
      bucketExpression('PERCENTILE_95', [buckets], false)!('[59999ms]'),
      `histogram_quantile(0.95, sum by (le) (increase(${buckets.selector}[59999ms])))`,
    );
    assert.equal(
      bucketExpression('SUM', [buckets], false)!('[59999ms]'),
      `sum(increase(${buckets.selector}[59999ms]))`,
    );
  });

  test('a counted label: every method from the count of samples', () => {
    const events = group('node_load1', 'counted');
    assert.equal(
      bucketExpression('SUM', [events], false)!('[999ms]'),
      `sum(count_over_time(${events.selector}[999ms]))`,
    );
    assert.equal(
      bucketExpression('PERCENTILE_50', [events], false)!('[999ms]'),
      `sum(count_over_time(${events.selector}[999ms])) > bool 0`,
    );
  });

  test('an InSetValue is a regex of literal alternatives', () => {
    const names = selectionOf([inSet('__name__', ['a.b', 'c|d'])])!;
    assert.equal(selectorText(names.matchers), '{__name__=~"(?:a\\\\.b|c\\\\|d)"}');
  });
});

describe('counter arithmetic', () => {
  test('per-second rates between samples; after a reset the new value is the increase', () => {
    const series = {
      labels: {},
      times: [0, 15_000, 30_000, 45_000, 60_000],
      values: [100, 130, 160, 10, 40],
    };
    const rates = asRates(series, 15_000);
    assert.deepEqual(rates.times, [15_000, 30_000, 45_000, 60_000]);
    assert.deepEqual(rates.values, [2, 2, 10 / 15, 2]);
    assert.deepEqual(
      asRates(series, 40_000).values,
      [10 / 15, 2],
      'the previous sample comes from before the window',
    );
  });
});

describe('query_range split and the raw cut', () => {
  test(`no call asks for more than ${PROMETHEUS_POINTS_PER_SERIES} points, and together they cover every step`, () => {
    const step = 60_000;
    const chunks = rangeChunks(59_999, 59_999 + 25_000 * step, step);
    assert.equal(chunks.length, 3);
    let points = 0;
    let next = 59_999;
    for (const { start, end } of chunks) {
      assert.equal(start, next);
      const n = (end - start) / step + 1;
      assert.ok(n <= PROMETHEUS_POINTS_PER_SERIES, `${n} points`);
      points += n;
      next = end + step;
    }
    assert.equal(points, 25_001);
  });

  test('a window whose samples are all at its end is cut where it holds some, not before them', async () => {
    // 30 days; 9.5 million samples, all in the last hour (as in the issue).
    const day = 86_400_000;
    const end = 30 * day;
    const firstSample = end - 3_600_000;
    const countTo = async (to: number) =>
      to <= firstSample ? 0 : Math.ceil(((to - firstSample) / 3_600_000) * 9_500_000);
    const cut = await partialEnd(countTo, 0, end, 9_500_000, 500_000);
    const held = await countTo(cut);
    assert.ok(held >= 1 && held <= 500_000, `[0, ${cut}) holds ${held} samples`);
  });
});

describe('saying what is pooled', () => {
  test('the labels in which series differ, absent counting as a value', () => {
    const sets: Record<string, string>[] = [
      { __name__: 'cpu', host: 'a', mode: 'idle' },
      { __name__: 'cpu', host: 'b', mode: 'idle' },
      { __name__: 'cpu', host: 'b', mode: 'idle', zone: 'x' },
    ];
    assert.deepEqual(differingLabels(sets), ['host', 'zone']);
    const error = severalSeriesError(sets) as Error & { body: { details: string } };
    assert.match(error.message, /match 3 series/);
    assert.match(error.body.details, /differ in host, zone\. Add a condition on these labels/);
  });
});
