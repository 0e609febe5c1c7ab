// The prometheus source against a real Prometheus (prometheus-fixture.ts): every method on buckets
// that are and are not multiples of the 1 s scrape interval, compared with Prometheus's own PromQL
// answers and its stored samples; several series, a counter reset, a gap, injection attempts,
// and Prometheus stopped under a running mirror.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ExchangeFinding } from '../../server/protocol/exchange';
import {
  AGGREGATION_METHODS,
  type AggregationMethod,
  API_KEY_HEADER,
  type EqualityCondition,
} from '../../server/protocol/messages';
import { createPrometheusSource } from '../../server/telemetry/prometheus';
import type { TelemetrySource } from '../../server/telemetry/source';
import { send, startTestMirror, TEST_KEY } from '../mirror/helpers';
import {
  aggregatedPointsOf,
  assertClose,
  fieldValuesQuery,
  metricsQuery,
  rawPointsOf,
  sourceContext,
  stringIs,
} from './helpers';
import {
  COUNTER_STEP,
  expectedFrom,
  freePort,
  type PrometheusFixture,
  prometheusMissing,
  promqlFor,
  startPrometheus,
  TRICKY_VALUES,
} from './prometheus-fixture';

const missing = prometheusMissing();
const inSet = (key: string, value: string[]): EqualityCondition => ({
  _type: 'EqualityCondition',
  key,
  value: { _type: 'InSetValue', value },
});

describe('the prometheus source against a real Prometheus', { skip: missing ?? false }, () => {
  let fixture: PrometheusFixture;
  let source: TelemetrySource;
  let notes: ExchangeFinding[] = [];
  const context = () => sourceContext((finding) => notes.push(finding));
  /** A window that holds data: from the first awaited sample to now, in whole ms. */
  let start = 0;
  let end = 0;

  before(async () => {
    fixture = await startPrometheus(8);
    source = createPrometheusSource({ url: fixture.url });
    start = fixture.startedAt - 500;
    // Half a second back: a scrape that started before `end` is surely stored by now.
    end = Date.now() - 500;
  });
  after(async () => {
    await fixture?.stop();
  });

  /** Prometheus's raw samples of `selector` in [s, e) (2.42 ranges are closed: [e-1-r, e-1]). */
  async function samplesIn(selector: string, s: number, e: number): Promise<number[]> {
    const data = (await fixture.api('query', {
      query: `${selector}[${e - s - 1}ms]`,
      time: ((e - 1) / 1000).toFixed(3),
    })) as { result: { values: [number, string][] }[] };
    return data.result.flatMap((r) => r.values.map(([, v]) => Number(v)));
  }

  async function promql(expression: string, e: number): Promise<number | undefined> {
    const data = (await fixture.api('query', { query: expression, time: ((e - 1) / 1000).toFixed(3) })) as {
      result: { value: [number, string] }[];
    };
    return data.result[0] ? Number(data.result[0].value[1]) : undefined;
  }

  test('Test Connection asks the query API; an unreachable URL is FAILURE naming the URL and cause', async () => {
    assert.deepEqual(await source.testConnection(context()), {
      _type: 'TestConnectionResponse',
      status: 'OK',
    });
    const port = await freePort();
    const away = createPrometheusSource({ url: `http://127.0.0.1:${port}` });
    const answer = await away.testConnection(context());
    assert.equal(answer.status, 'FAILURE');
    assert.equal(
      answer.error?.details,
      `Nothing answers at 127.0.0.1:${port} (connection refused) — is it running?`,
    );
  });

  test('field names: __name__, every label in the window (STRING), then value, __counter__ and __gauge__ (NUMBER)', async () => {
    const all = await source.fieldNames(
      { conditions: [], startTime: start, endTime: end, limit: 1000 },
      context(),
    );
    const names = all.fields.map((f) => f.fieldName);
    assert.equal(names[0], '__name__');
    assert.deepEqual(
      all.fields.slice(-3).map((f) => `${f.fieldName}:${f.fieldType}`),
      ['value:NUMBER', '__counter__:NUMBER', '__gauge__:NUMBER'],
    );
    for (const label of ['job', 'instance', 'room', 'queue', 'name']) assert.ok(names.includes(label), label);
    const narrowed = await source.fieldNames(
      {
        conditions: [stringIs('__name__', 'fixture_temperature')],
        startTime: start,
        endTime: end,
        limit: 1000,
      },
      context(),
    );
    assert.deepEqual(
      narrowed.fields.map((f) => `${f.fieldName}:${f.fieldType}`),
      [
        '__name__:STRING',
        'instance:STRING',
        'job:STRING',
        'room:STRING',
        'value:NUMBER',
        '__counter__:NUMBER',
        '__gauge__:NUMBER',
      ],
    );
    const cut = await source.fieldNames(
      { conditions: [], startTime: start, endTime: end, limit: 2 },
      context(),
    );
    assert.equal(cut.fields.length, 2);
    assert.equal(cut.isPartial, true);
  });

  test('field values: label values and metric names, filtered, with prefix, offset and limit', async () => {
    const window = { startTime: start, endTime: end };
    const metrics = await source.fieldValues(
      fieldValuesQuery('__name__', { ...window, fieldValuePrefix: 'fixture_' }),
      context(),
    );
    assert.deepEqual(
      metrics.values.map((v) => v.value),
      [
        'fixture_events',
        'fixture_gappy',
        'fixture_jobs_total',
        'fixture_temperature',
        'fixture_tricky',
        'fixture_untyped_total',
        'fixture_zeros',
      ],
    );
    const rooms = await source.fieldValues(
      fieldValuesQuery('room', { ...window, conditions: [stringIs('__name__', 'fixture_temperature')] }),
      context(),
    );
    assert.deepEqual(
      rooms.values.map((v) => v.value),
      ['cellar', 'hall', 'kitchen'],
    );
    const page = await source.fieldValues(
      fieldValuesQuery('room', { ...window, offset: 1, limit: 1 }),
      context(),
    );
    assert.deepEqual(page, {
      _type: 'FieldValuesResponse',
      values: [{ _type: 'CompleteValue', value: 'hall' }],
      isPartial: true,
    });
    const jobs = await source.fieldValues(
      fieldValuesQuery('job', { ...window, conditions: [stringIs('__name__', 'fixture_temperature')] }),
      context(),
    );
    assert.deepEqual(
      jobs.values.map((v) => v.value),
      ['fixture'],
    );
  });

  test('injection: quotes, backslashes, braces and regex characters are matched literally', async () => {
    const window = { startTime: start, endTime: end };
    for (const [i, value] of TRICKY_VALUES.entries()) {
      const response = await source.metrics(
        metricsQuery({ ...window, metricField: 'fixture_tricky', conditions: [stringIs('name', value)] }),
        context(),
      );
      const values = new Set(rawPointsOf(response).map(([v]) => v));
      assert.deepEqual([...values], [i + 1], `StringValue ${JSON.stringify(value)}`);
    }
    // Three of the eight values, matched literally (`x.y` not `xzy`, `.*` not everything): the raw
    // query's refusal counts the series they match.
    await assert.rejects(
      source.metrics(
        metricsQuery({
          ...window,
          metricField: 'fixture_tricky',
          conditions: [inSet('name', ['x.y', '.*', 'a"b'])],
        }),
        context(),
      ),
      /The conditions match 3 series/,
    );
    const hostile = ['"} or vector(1) or {a="', '\\"} or up{x="', '.+'];
    for (const value of hostile) {
      const response = await source.metrics(
        metricsQuery({ ...window, metricField: 'fixture_tricky', conditions: [stringIs('name', value)] }),
        context(),
      );
      assert.deepEqual(rawPointsOf(response), [], JSON.stringify(value));
      const values = await source.fieldValues(
        fieldValuesQuery('name', { ...window, conditions: [stringIs('__name__', value)] }),
        context(),
      );
      assert.deepEqual(values.values, []);
    }
  });

  const SELECTORS: [string, EqualityCondition[], string][] = [
    ['three gauge series', [stringIs('__name__', 'fixture_temperature')], 'fixture_temperature'],
    [
      'one gauge series',
      [stringIs('__name__', 'fixture_temperature'), stringIs('room', 'hall')],
      'fixture_temperature{room="hall"}',
    ],
    ['zeros and fives', [stringIs('__name__', 'fixture_zeros')], 'fixture_zeros'],
    ['a series with gaps', [stringIs('__name__', 'fixture_gappy')], 'fixture_gappy'],
  ];
  for (const bucketSizeMillis of [1000, 3000, 1700, 2345]) {
    test(`all 14 methods on ${bucketSizeMillis} ms buckets match Prometheus`, async () => {
      for (const [what, conditions, selector] of SELECTORS) {
        for (const method of AGGREGATION_METHODS) {
          const response = await source.metrics(
            metricsQuery({
              startTime: start,
              endTime: end,
              conditions,
              aggregation: { _type: 'Aggregation', method, bucketSizeMillis },
            }),
            context(),
          );
          const got = new Map(aggregatedPointsOf(response).map(([v, s, e]) => [`${s}-${e}`, v]));
          for (let s = start; s < end; s += bucketSizeMillis) {
            const e = Math.min(s + bucketSizeMillis, end);
            const label = `${what} ${method} [${s}, ${e})`;
            const expected = expectedFrom(await samplesIn(selector, s, e), method);
            assertClose(got.get(`${s}-${e}`), expected, label);
            const expression = promqlFor(method, selector, `[${e - s - 1}ms]`, what === 'one gauge series');
            if (expression) {
              const answer =
                (await promql(expression, e)) ??
                (method === 'SUM' || method === 'EVENT_COUNT' ? 0 : undefined);
              assertClose(got.get(`${s}-${e}`), answer, `${label} vs PromQL ${expression}`);
            }
          }
        }
      }
    });
  }

  test('up for job = prometheus is 1 in every bucket', async () => {
    for (const method of ['MIN', 'MAX', 'MEAN'] as const) {
      const response = await source.metrics(
        metricsQuery({
          startTime: start + 1000,
          endTime: end,
          conditions: [stringIs('__name__', 'up'), stringIs('job', 'prometheus')],
          aggregation: { _type: 'Aggregation', method, bucketSizeMillis: 1300 },
        }),
        context(),
      );
      const points = aggregatedPointsOf(response);
      assert.ok(points.length >= Math.floor((end - start - 1000) / 1300) - 1, `${points.length} buckets`);
      for (const [value] of points) assert.equal(value, 1);
    }
  });

  test('a label as the Select field: one event per sample of each matching series that carries it', async () => {
    const counted = async (metricField: string, conditions: EqualityCondition[], method: AggregationMethod) =>
      aggregatedPointsOf(
        await source.metrics(
          metricsQuery({
            startTime: start,
            endTime: end,
            conditions,
            metricField,
            aggregation: { _type: 'Aggregation', method, bucketSizeMillis: end - start },
          }),
          context(),
        ),
      ).map(([v]) => v);
    const temperature = [stringIs('__name__', 'fixture_temperature')];
    const samples = (await samplesIn('fixture_temperature', start, end)).length;
    assert.ok(samples > 0);
    // The conditions choose the metric: room, job, instance and __name__ are labels of its series.
    for (const label of ['room', 'job', 'instance', '__name__']) {
      assert.deepEqual(await counted(label, temperature, 'EVENT_COUNT'), [samples], label);
      assert.deepEqual(await counted(label, temperature, 'MEAN'), [1], label);
      assert.deepEqual(await counted(label, temperature, 'SUM'), [samples], label);
    }
    // No metric named by the conditions, and no metric called `room`: the series carrying `room`.
    const kitchen = (await samplesIn('fixture_temperature{room="kitchen"}', start, end)).length;
    assert.deepEqual(await counted('room', [stringIs('room', 'kitchen')], 'EVENT_COUNT'), [kitchen]);
    // A metric's name still chooses the metric, and `value` is the sample value.
    const hall = [stringIs('room', 'hall')];
    assert.deepEqual(await counted('fixture_temperature', hall, 'MAX'), [
      Math.max(...(await samplesIn('fixture_temperature{room="hall"}', start, end))),
    ]);
    // A counter's label counts its stored samples, not rates.
    const jobs = (await samplesIn('fixture_jobs_total', start, end)).length;
    assert.deepEqual(await counted('queue', [stringIs('__name__', 'fixture_jobs_total')], 'EVENT_COUNT'), [
      jobs,
    ]);
  });

  test('a counter is served as per-second rates through its reset, and the log says so', async () => {
    notes = [];
    const response = await source.metrics(
      metricsQuery({
        startTime: start,
        endTime: end,
        conditions: [stringIs('__name__', 'fixture_jobs_total')],
      }),
      context(),
    );
    const points = rawPointsOf(response);
    assert.ok(points.length >= 6, `${points.length} points`);
    const data = (await fixture.api('query', {
      query: `fixture_jobs_total[${end - start + 300_000}ms]`,
      time: ((end - 1) / 1000).toFixed(3),
    })) as {
      result: { values: [number, string][] }[];
    };
    const samples = data.result[0]!.values.map(([t, v]) => [Math.round(t * 1000), Number(v)] as const);
    assert.ok(
      samples.some(([, v], i) => i > 0 && v < samples[i - 1]![1]),
      'the window holds a reset',
    );
    for (const [rate, t] of points) {
      const i = samples.findIndex(([ts]) => ts === t);
      assert.ok(i > 0, `a sample before ${t}`);
      // The exporter adds COUNTER_STEP per scrape, and after a reset starts again at COUNTER_STEP.
      assertClose(rate, COUNTER_STEP / ((t - samples[i - 1]![0]) / 1000), `rate at ${t}`);
    }
    assert.deepEqual(
      notes.map((n) => n.id),
      ['counter-as-rate'],
    );
    notes = [];
    await source.metrics(
      metricsQuery({ startTime: start, endTime: end, metricField: 'fixture_events' }),
      context(),
    );
    await source.metrics(
      metricsQuery({ startTime: start, endTime: end, metricField: 'fixture_untyped_total' }),
      context(),
    );
    await source.metrics(
      metricsQuery({
        startTime: start,
        endTime: end,
        metricField: 'fixture_temperature',
        aggregation: { _type: 'Aggregation', method: 'MEAN', bucketSizeMillis: 1000 },
      }),
      context(),
    );
    assert.deepEqual(
      notes.filter((n) => n.id === 'counter-as-rate').map((n) => n.message.split(' ')[0]),
      ['fixture_events', 'fixture_untyped_total'],
    );
  });

  test('raw: stored samples in the window, in time order, limited and marked partial', async () => {
    const conditions = [stringIs('__name__', 'fixture_temperature'), stringIs('room', 'hall')];
    const points = rawPointsOf(
      await source.metrics(metricsQuery({ startTime: start, endTime: end, conditions }), context()),
    );
    const samples = await samplesIn('fixture_temperature{room="hall"}', start, end);
    assert.equal(points.length, samples.length);
    for (const [i, [, t]] of points.entries()) {
      assert.ok(t >= start && t < end);
      if (i > 0) assert.ok(t >= points[i - 1]![1]);
    }
    const cut = await source.metrics(
      metricsQuery({ startTime: start, endTime: end, conditions, limit: 4 }),
      context(),
    );
    assert.equal(rawPointsOf(cut).length, 4);
    assert.equal(cut.telemetry.isPartial, true);
    assert.deepEqual(rawPointsOf(cut), points.slice(0, 4));
  });

  test('a metric with no series is an empty answer; no metric at all is a clear error', async () => {
    const empty = await source.metrics(
      metricsQuery({
        startTime: start,
        endTime: end,
        metricField: 'no_such_metric',
        aggregation: { _type: 'Aggregation', method: 'SUM', bucketSizeMillis: 1000 },
      }),
      context(),
    );
    assert.deepEqual(aggregatedPointsOf(empty), []);
    await assert.rejects(source.metrics(metricsQuery({ startTime: start, endTime: end }), context()), {
      name: 'RemoteMirrorError',
      message: 'Which metric?',
    });
  });

  test('prometheusUrl in the connection details picks the server, when it is one the user allowed', async () => {
    const elsewhere = createPrometheusSource({ url: 'http://127.0.0.1:9', allowedUrls: fixture.url });
    const ok = await elsewhere.testConnection({
      ...context(),
      connectionDetails: { prometheusUrl: fixture.url },
    });
    assert.equal(ok.status, 'OK');
  });

  // Last: it stops Prometheus.
  test('Prometheus stopped under a running mirror: MetricStoreConnectionError with the key header', async () => {
    const { mirror, exchanges } = await startTestMirror({ source });
    try {
      const body = {
        connectionDetails: {},
        query: {
          conditions: [stringIs('__name__', 'up'), stringIs('job', 'fixture')],
          startTime: start,
          endTime: end,
          limit: 10,
        },
      };
      const before = await send(mirror.port, { method: 'POST', path: '/api/metric', body });
      assert.equal(before.status, 200);
      await fixture.stopPrometheus();
      const down = await send(mirror.port, { method: 'POST', path: '/api/metric', body });
      assert.equal(down.status, 500);
      assert.equal(down.headers[API_KEY_HEADER.toLowerCase()], TEST_KEY);
      const error = down.json() as { _type: string; details: string };
      assert.equal(error._type, 'MetricStoreConnectionError');
      // The public answer names no address (public-errors.ts); the log entry keeps the cause.
      assert.match(error.details, /^The mirror's Prometheus did not answer\./);
      assert.equal(
        exchanges.at(-1)?.error,
        `MetricStoreConnectionError: Nothing answers at ${new URL(fixture.url).host} (connection refused) — is it running?`,
      );
      const test = await send(mirror.port, { method: 'POST', path: '/api/connection', body: {} });
      assert.equal(test.headers[API_KEY_HEADER.toLowerCase()], TEST_KEY);
      assert.equal((test.json() as { status: string }).status, 'FAILURE');
      const home = await send(mirror.port, { method: 'GET', path: '/' });
      assert.equal(home.status, 200);
    } finally {
      await mirror.close();
    }
  });
});

if (missing) test('the prometheus tests', (t) => t.skip(missing));
