// The demo is exact at every zoom: each aggregated bucket is checked against a naive reference
// that takes every sample one by one (through raw queries, which evaluate each sample on its own,
// without the block cache) and applies the method to the whole list (aggregate.ts).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import {
  AGGREGATION_METHODS,
  type AggregatedPoint,
  type AggregationMethod,
} from '../../server/protocol/messages';
import { aggregate, PERCENTILES } from '../../server/telemetry/aggregate';
import {
  createDemoAnswers,
  EXACT_PERCENTILE_SAMPLES,
  MAX_CHUNKS_PER_QUERY,
} from '../../server/telemetry/demo';
import { HOSTS, METRICS } from '../../server/telemetry/demo-catalog';
import { ChunkCache } from '../../server/telemetry/demo-series';
import type { InstantAnswers } from '../../server/telemetry/instant-source';
import { type Incident, TelemetryError } from '../../server/telemetry/source';
import {
  aggregatedFollowUps,
  aggregatedPoints,
  aggregatedPointsOf,
  assertClose,
  DAY,
  HOUR,
  MINUTE,
  metricsQuery,
  rawPointsOf,
  requestSpikeOnWeb1,
  stringIs,
  T0,
} from './helpers';

const inSet = (hosts: readonly string[]) => ({
  _type: 'EqualityCondition' as const,
  key: 'host',
  value: { _type: 'InSetValue' as const, value: [...hosts] },
});

/** Every sample of one host's metric in [start, end), by paging raw queries (10,000 points each). */
function samplesOf(source: InstantAnswers, host: string, metric: string, start: number, end: number) {
  const times: number[] = [];
  const values: number[] = [];
  let from = start;
  while (from < end) {
    const response = source.metrics(
      metricsQuery({
        startTime: from,
        endTime: end,
        conditions: [stringIs('host', host)],
        metricField: metric,
      }),
    );
    for (const [v, t] of rawPointsOf(response)) {
      times.push(t);
      values.push(v);
    }
    if (!response.telemetry.isPartial) break;
    from = times.at(-1)! + 1;
  }
  return { times, values };
}

/** One aggregated question: these hosts' metric, by this method, over this window and bucket size. */
interface ZoomCase {
  hosts: readonly string[];
  metric: string;
  method: AggregationMethod;
  startTime: number;
  endTime: number;
  bucketSizeMillis: number;
}

/** The naive answer: per bucket, every pooled sample through `aggregate`. */
function naiveBuckets(
  source: InstantAnswers,
  { hosts, metric, method, startTime, endTime, bucketSizeMillis }: ZoomCase,
): { value: number | undefined; start: number; end: number; count: number }[] {
  const perHost = hosts.map((h) => samplesOf(source, h, metric, startTime, endTime));
  const cursors = perHost.map(() => 0);
  const buckets = [];
  for (let start = startTime; start < endTime; start += bucketSizeMillis) {
    const end = Math.min(start + bucketSizeMillis, endTime);
    const pooled: number[] = [];
    perHost.forEach(({ times, values }, h) => {
      while (cursors[h]! < times.length && times[cursors[h]!]! < end) pooled.push(values[cursors[h]!++]!);
    });
    buckets.push({ value: aggregate(method, pooled), start, end, count: pooled.length });
  }
  return buckets;
}

/** Exact for all but percentiles over more than EXACT_PERCENTILE_SAMPLES samples: within 1 % there. */
function assertMatches(
  actual: number | undefined,
  expected: number | undefined,
  method: AggregationMethod,
  count: number,
  what: string,
): void {
  if (PERCENTILES[method] !== undefined && count > EXACT_PERCENTILE_SAMPLES && expected !== undefined) {
    assert.ok(actual !== undefined, `${what}: no value`);
    assert.ok(Math.abs(actual - expected) <= 0.01 * Math.abs(expected), `${what}: ${actual} vs ${expected}`);
    return;
  }
  if (method === 'MIN' || method === 'MAX' || method.startsWith('EVENT_COUNT') || PERCENTILES[method]) {
    assert.equal(actual, expected, what);
  } else {
    assertClose(actual, expected, what);
  }
}

/** The mirror's `points` for `zoom` equal the naive buckets (those with a value), bucket for bucket. */
function assertAgainstNaive(
  source: InstantAnswers,
  zoom: ZoomCase,
  points?: readonly AggregatedPoint[],
): void {
  const { hosts, metric, method, startTime, endTime, bucketSizeMillis } = zoom;
  const actual =
    points ??
    aggregatedPoints(source, {
      startTime,
      endTime,
      conditions: [inSet(hosts)],
      metricField: metric,
      aggregation: { method, bucketSizeMillis },
    });
  const withValues = naiveBuckets(source, zoom).filter((b) => b.value !== undefined);
  assert.equal(actual.length, withValues.length, `${method}: buckets with a value`);
  actual.forEach(([value, start, end], i) => {
    const bucket = withValues[i]!;
    assert.deepEqual([start, end], [bucket.start, bucket.end], `bucket ${i} of ${withValues.length}`);
    const what = `${method} of ${metric} on ${hosts} in [${new Date(start).toISOString()}, ${end - start} ms) of ${bucket.count} samples`;
    assertMatches(value, bucket.value, method, bucket.count, what);
  });
}

const hostSet = fc.subarray(
  HOSTS.map((h) => h.host),
  { minLength: 1 },
);
const metricName = fc.constantFrom(...METRICS.map((m) => m.name));
const method = fc.constantFrom(...AGGREGATION_METHODS);

/** Incidents on random hosts and metrics near the window, so some touch the series and some do not. */
const incidents = (windowStart: number, windowWidth: number) =>
  fc
    .array(
      fc.record({
        host: fc.constantFrom(...HOSTS.map((h) => h.host)),
        metric: metricName,
        offset: fc.integer({ min: -HOUR, max: windowWidth }),
        duration: fc.integer({ min: 1, max: 3 * HOUR }),
        factor: fc.double({ min: 0.1, max: 100, noNaN: true }),
      }),
      { maxLength: 3 },
    )
    .map((specs) =>
      specs.map(
        (spec, i): Incident => ({
          id: `i${i}`,
          series: { host: spec.host },
          metric: spec.metric,
          startMillis: windowStart + spec.offset,
          durationMillis: spec.duration,
          factor: spec.factor,
        }),
      ),
    );

describe('demo profile: exact at every zoom, against a naive reference', () => {
  // One source for every run, with a small cache: chunks made for earlier runs (other incidents,
  // other windows) are still there or evicted, and must never leak into this run's answer.
  const source = createDemoAnswers(new ChunkCache(24));

  it('every method, any window, bucket size and incidents (buckets up to a day; web-2 offline at night)', () => {
    const scenario = fc
      .record({
        offset: fc.integer({ min: 0, max: 20 * DAY }),
        width: fc.integer({ min: 1, max: 2 * DAY }),
        bucketsWanted: fc.integer({ min: 1, max: 10_000 }),
        hosts: hostSet,
        metric: metricName,
        method,
      })
      .chain((s) => incidents(T0 + s.offset, s.width).map((chosen) => ({ ...s, incidents: chosen })));
    fc.assert(
      fc.property(
        scenario,
        ({ offset, width, bucketsWanted, hosts, metric, method: m, incidents: chosen }) => {
          const startTime = T0 + offset;
          const bucketSizeMillis = Math.ceil(width / bucketsWanted);
          // First without incidents, so the cache holds this window's quiet chunks; then with them.
          source.setIncidents([]);
          source.metrics(
            metricsQuery({
              startTime,
              endTime: startTime + width,
              conditions: [inSet(hosts)],
              metricField: metric,
              aggregation: { method: m, bucketSizeMillis },
            }),
          );
          source.setIncidents(chosen);
          assertAgainstNaive(source, {
            hosts,
            metric,
            method: m,
            startTime,
            endTime: startTime + width,
            bucketSizeMillis,
          });
        },
      ),
      { numRuns: 120 },
    );
  });

  it('percentiles of wide buckets (tens of thousands of samples) are within 1 % of the exact value', () => {
    source.setIncidents([]);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 * DAY }),
        fc.constantFrom(...(Object.keys(PERCENTILES) as AggregationMethod[])),
        metricName,
        (offset, m, metric) => {
          const startTime = T0 + offset;
          const hosts = HOSTS.map((h) => h.host);
          assertAgainstNaive(source, {
            hosts,
            metric,
            method: m,
            startTime,
            endTime: startTime + 2 * DAY,
            bucketSizeMillis: DAY / 2,
          });
        },
      ),
      { numRuns: 12 },
    );
  });

  it('a 1-hour MAX is never below the MAX of its 1-minute buckets; SUM and EVENT_COUNT add up; MIN never above', () => {
    const scenario = fc
      .record({
        offset: fc.integer({ min: 0, max: 60 * DAY }),
        hours: fc.integer({ min: 1, max: 6 }),
        hosts: hostSet,
        metric: metricName,
      })
      .chain((s) => incidents(T0 + s.offset, s.hours * HOUR).map((chosen) => ({ ...s, incidents: chosen })));
    fc.assert(
      fc.property(scenario, ({ offset, hours, hosts, metric, incidents: chosen }) => {
        const startTime = T0 + offset;
        source.setIncidents(chosen);
        const at = (m: AggregationMethod, bucketSizeMillis: number) =>
          aggregatedPoints(source, {
            startTime,
            endTime: startTime + hours * HOUR,
            conditions: [inSet(hosts)],
            metricField: metric,
            aggregation: { method: m, bucketSizeMillis },
          });
        /** Per hour: the hour's value and the values of the minutes in it. */
        const zooms = (m: AggregationMethod) => {
          const minutes = at(m, MINUTE);
          return at(m, HOUR).map(([value, start, end]) => ({
            value,
            minutes: minutes.filter(([, s]) => s >= start && s < end).map(([v]) => v),
          }));
        };
        for (const { value, minutes } of zooms('MAX')) {
          for (const v of minutes) assert.ok(value >= v, `hour MAX ${value} < minute MAX ${v}`);
          assert.equal(value, Math.max(...minutes));
        }
        for (const { value, minutes } of zooms('MIN')) assert.equal(value, Math.min(...minutes));
        for (const m of ['SUM', 'EVENT_COUNT'] as const) {
          for (const { value, minutes } of zooms(m)) {
            assertClose(
              value,
              minutes.reduce((a, b) => a + b, 0),
              `${m} of an hour vs its minutes`,
            );
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('a 3-minute incident shows at every zoom, from 10-second to 1-day buckets', () => {
    const start = T0 + 14 * HOUR + 2 * MINUTE + 7000;
    const busy = createDemoAnswers(new ChunkCache(8));
    const quiet = createDemoAnswers(new ChunkCache(8));
    const query = { conditions: [stringIs('host', 'web-1')], metricField: 'requests.rate' };
    // Warm the cache with the quiet answer first: the incident must not be hidden by it.
    const month = { startTime: T0 - 15 * DAY, endTime: T0 + 15 * DAY };
    for (const bucketSizeMillis of [10_000, MINUTE, HOUR, DAY]) {
      const window = bucketSizeMillis < HOUR ? { startTime: T0 + 13 * HOUR, endTime: T0 + 15 * HOUR } : month;
      const ask = (s: InstantAnswers) =>
        aggregatedPoints(s, { ...window, ...query, aggregation: { method: 'MAX', bucketSizeMillis } });
      const before = ask(busy);
      busy.setIncidents([requestSpikeOnWeb1(start)]);
      const during = ask(busy);
      busy.setIncidents([]);
      assert.deepEqual(ask(busy), before, 'the incident ends when the set is emptied');
      assert.deepEqual(before, ask(quiet));
      // The bucket holding the first sample of the incident (samples are every 10 s).
      const firstSample = Math.ceil(start / 10_000) * 10_000;
      const spiked = during.findIndex(([, s, e]) => s <= firstSample && firstSample < e);
      assert.ok(
        during[spiked]![0] > 2 * before[spiked]![0],
        `${bucketSizeMillis} ms buckets: ${during[spiked]![0]} vs ${before[spiked]![0]}`,
      );
    }
  });
});

describe('demo profile: the block cache is bounded', () => {
  it(`holds at most its limit of chunks (default ${new ChunkCache().limit}), and answers the same after evicting`, () => {
    const cache = new ChunkCache(10);
    const small = createDemoAnswers(cache);
    const roomy = createDemoAnswers();
    const query = metricsQuery({
      startTime: T0,
      endTime: T0 + 30 * DAY,
      conditions: [],
      metricField: 'latency.p95',
      aggregation: { method: 'MAX', bucketSizeMillis: (30 * DAY) / 500 },
    });
    // 30 days × 5 hosts is about 320 chunks: far more than 10.
    const first = small.metrics(query);
    assert.ok(cache.size <= 10, `${cache.size} chunks kept`);
    assert.deepEqual(first, roomy.metrics(query));
    assert.deepEqual(small.metrics(query), first);
    assert.ok(cache.size <= 10, `${cache.size} chunks kept`);
  });
});

describe('demo profile: a window wider than one answer is answered in parts, each exact', () => {
  const source = createDemoAnswers();
  const hosts = ['a-host', 'web-2'];

  /** The whole window from follow-ups, checked bucket by bucket against the naive reference. */
  function assertFollowUpsExact(
    method: AggregationMethod,
    days: number,
    bucketSizeMillis: number,
    within: string[],
  ) {
    const zoom = {
      hosts: within,
      metric: 'cpu.usage',
      method,
      startTime: T0,
      endTime: T0 + days * DAY,
      bucketSizeMillis,
    };
    const { points, answers } = aggregatedFollowUps(source, {
      startTime: zoom.startTime,
      endTime: zoom.endTime,
      conditions: [inSet(within)],
      metricField: zoom.metric,
      aggregation: { method, bucketSizeMillis },
    });
    assertAgainstNaive(source, zoom, points);
    return answers;
  }

  it('30 days at 1-minute buckets (43,200, past MAX_BUCKETS): the follow-ups give the exact window', () => {
    // web-2 is offline at night, so some parts start or end in a gap.
    assert.equal(assertFollowUpsExact('MEAN', 30, MINUTE, hosts), 5);
    assert.equal(assertFollowUpsExact('PERCENTILE_95', 30, MINUTE, hosts), 5);
  });

  it(`past the ${MAX_CHUNKS_PER_QUERY} blocks computed at once (37 days of 5 hosts), answers the widest exact part first`, () => {
    const all = HOSTS.map((h) => h.host);
    const first = source.metrics(
      metricsQuery({
        startTime: T0,
        endTime: T0 + 60 * DAY,
        conditions: [inSet(all)],
        metricField: 'cpu.usage',
        aggregation: { method: 'MAX', bucketSizeMillis: (60 * DAY) / 500 },
      }),
    );
    assert.equal(first.telemetry.isPartial, true);
    const lastEnd = aggregatedPointsOf(first).at(-1)![2];
    assert.ok(
      lastEnd > T0 + 30 * DAY && lastEnd <= T0 + 38 * DAY,
      `first part ends ${(lastEnd - T0) / DAY} days in`,
    );
    assert.equal(assertFollowUpsExact('MAX', 60, (60 * DAY) / 500, all), 2);
  });

  it('refuses only a single bucket wider than the blocks it computes at once, naming the widest', () => {
    assert.throws(
      () =>
        source.metrics(
          metricsQuery({
            startTime: T0,
            endTime: T0 + 400 * DAY,
            conditions: [inSet(['a-host'])],
            metricField: 'cpu.usage',
            aggregation: { method: 'MEAN', bucketSizeMillis: 200 * DAY },
          }),
        ),
      (error: unknown) => {
        assert.ok(error instanceof TelemetryError && error.body._type === 'RemoteMirrorError');
        assert.equal(error.body.summary, 'Bucket too wide');
        assert.match(String(error.body.details), /at most 189 days for 1 series/);
        return true;
      },
    );
  });

  it('counts need no samples: EVENT_COUNT and dimensions serve any window in one answer', () => {
    const ask = (metricField: string, method: AggregationMethod) =>
      source.metrics(
        metricsQuery({
          startTime: T0,
          endTime: T0 + 3650 * DAY,
          metricField,
          aggregation: { method, bucketSizeMillis: (3650 * DAY) / 500 },
        }),
      );
    const counts = ask('cpu.usage', 'EVENT_COUNT');
    assert.equal(counts.telemetry.isPartial, false);
    assert.equal(aggregatedPointsOf(counts).length, 500);
    assert.equal(aggregatedPointsOf(ask('cores', 'PERCENTILE_90')).length, 500);
  });
});

describe('demo profile: the block cache stays within its memory bound', () => {
  it('grows by at most 40 MB however many windows, metrics and percentiles are asked for', () => {
    // `gc` is not exposed to tests by default; V8 can turn it on at run time.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const used = () => {
      gc();
      gc();
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return heapUsed + arrayBuffers;
    };
    const cache = new ChunkCache();
    const source = createDemoAnswers(cache);
    const before = used();
    // Three metrics × 30 days × 5 hosts is about 960 blocks, well past the 400 kept; the
    // percentiles of day-long buckets make every block's sketches too.
    for (const metricField of ['cpu.usage', 'latency.p95', 'requests.rate']) {
      source.metrics(
        metricsQuery({
          startTime: T0,
          endTime: T0 + 30 * DAY,
          metricField,
          aggregation: { method: 'PERCENTILE_90', bucketSizeMillis: DAY },
        }),
      );
    }
    const grown = (used() - before) / 1e6;
    assert.ok(grown < 40, `the cache grew memory by ${grown.toFixed(1)} MB`);
    assert.equal(cache.size, cache.limit);
  });
});
