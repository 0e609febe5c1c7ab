// The prometheus source past the samples it may hold, against a real Prometheus holding 26 hours of
// backfilled history (prometheus-history.ts), with the bound lowered so that days of data cross it:
// buckets fetched in chunks and computed exactly; a bucket past the bound read in slices (exact,
// its percentile within the sketch's accuracy); a raw window past the bound answered from its
// first samples, never empty and partial; raw points of several series refused.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { tumblingBuckets } from '../../server/telemetry/aggregate';
import { createPrometheusSource } from '../../server/telemetry/prometheus';
import { exactBuckets } from '../../server/telemetry/prometheus-chunks';
import { targetFor } from '../../server/telemetry/prometheus-client';
import { bucketExpression } from '../../server/telemetry/prometheus-promql';
import { rawAnswer } from '../../server/telemetry/prometheus-raw';
import { samplesFrom } from '../../server/telemetry/prometheus-samples';
import { SKETCH_RELATIVE_ACCURACY } from '../../server/telemetry/sketch';
import type { TelemetrySource } from '../../server/telemetry/source';
import { DAY, HOUR, MINUTE, metricsQuery, rawPointsOf, sourceContext, stringIs } from './helpers';
import { expectedFrom } from './prometheus-fixture';
import { assertSame, type HistoryFixture, historyMissing, startHistory } from './prometheus-history';

const missing = historyMissing();
const LOAD = [stringIs('__name__', 'hist_load')];

describe('the prometheus source past the samples it may hold', { skip: missing ?? false }, () => {
  let history: HistoryFixture;
  let source: TelemetrySource;
  const context = () => sourceContext(() => {});
  let start = 0;

  before(async () => {
    history = await startHistory({ hosts: 30, hours: 26 });
    source = createPrometheusSource({ url: history.url });
    start = history.start + 7 * MINUTE;
  });
  after(async () => {
    await history?.stop();
  });
  const samplesByBucket = (selector: string, s: number, e: number, bucket: number) =>
    history.samplesByBucket(selector, s, e, bucket);

  test('past the samples the mirror may hold: chunks of buckets, exact; a bucket past the bound in slices, its percentile within the sketch', async () => {
    const target = targetFor({ url: history.url }, {});
    const selector = 'hist_load{dc="a"}';
    const count = bucketExpression('EVENT_COUNT', [{ selector, kind: 'gauge' }], false)!;
    const plan = { selector, count, read: samplesFrom, lookbackMillis: 0 };
    const buckets = tumblingBuckets(start, start + 6 * HOUR, 30 * MINUTE);
    const pools = await samplesByBucket(selector, start, start + 6 * HOUR, 30 * MINUTE);
    assert.equal(pools.get(start)!.length, 15 * 120, '1,800 samples a bucket');
    for (const method of ['MEAN', 'MAX', 'PERCENTILE_99', 'EVENT_COUNT_NO_ZEROS'] as const) {
      // Two buckets a chunk: exact.
      const chunked = await exactBuckets(target, plan, buckets, method, context(), 4000);
      assert.equal(chunked.sketched, 0);
      for (const b of buckets)
        assertSame(chunked.value(b), expectedFrom(pools.get(b.start)!, method), `${method} chunked`);
      // Every bucket past the bound: read in slices.
      const sliced = await exactBuckets(target, plan, buckets, method, context(), 1000);
      assert.equal(sliced.sketched, method === 'PERCENTILE_99' ? buckets.length : 0);
      for (const b of buckets) {
        const expected = expectedFrom(pools.get(b.start)!, method)!;
        const got = sliced.value(b)!;
        if (method === 'PERCENTILE_99') {
          assert.ok(
            Math.abs(got - expected) <= SKETCH_RELATIVE_ACCURACY * Math.abs(expected),
            `${got} ≈ ${expected}`,
          );
        } else assertSame(got, expected, `${method} sliced`);
      }
    }
  });

  test('a bucket whose samples all lie in its last hour is read in slices that each stay within the bound', async () => {
    // Prometheus behind a proxy that counts the samples of every answer it passes on.
    const proxy = await countingProxy(history.url);
    try {
      const target = targetFor({ url: proxy.url }, {});
      const selector = 'hist_load{dc="a"}';
      const count = bucketExpression('EVENT_COUNT', [{ selector, kind: 'gauge' }], false)!;
      const plan = { selector, count, read: samplesFrom, lookbackMillis: 0 };
      // Six hours, of which only the last holds samples: 15 series × 240 = 3,600 samples.
      const from = history.start - 5 * HOUR;
      const buckets = tumblingBuckets(from, from + 6 * HOUR, 6 * HOUR);
      const pools = await samplesByBucket(selector, from, from + 6 * HOUR, 6 * HOUR);
      assert.equal(pools.get(from)!.length, 3600);
      for (const method of ['MEAN', 'MAX', 'EVENT_COUNT'] as const) {
        proxy.largest = 0;
        const sliced = await exactBuckets(target, plan, buckets, method, context(), 1000);
        assertSame(sliced.value(buckets[0]!), expectedFrom(pools.get(from)!, method), method);
        assert.ok(
          proxy.largest > 0 && proxy.largest <= 1000,
          `${method}: the largest answer held ${proxy.largest} samples, past the bound of 1,000`,
        );
      }
    } finally {
      await proxy.close();
    }
  });

  test('a raw window of more samples than the bound is answered from its first samples, never empty and partial', async () => {
    const target = targetFor({ url: history.url }, {});
    const selector = 'hist_load{host="h005"}';
    // 30 days, all of the samples in the last 26 hours.
    const window = { from: history.end - 30 * DAY, start: history.end - 30 * DAY, end: history.end };
    const answer = await rawAnswer(
      target,
      selector,
      window,
      samplesFrom,
      { cap: 10_000, severalSeries: false },
      context(),
      1000,
    );
    const points = rawPointsOf(answer);
    const first = await samplesByBucket(selector, history.start, history.start + MINUTE, MINUTE);
    assert.equal(answer.telemetry.isPartial, true);
    assert.ok(points.length >= 1 && points.length <= 1000, `${points.length} points`);
    assert.equal(points[0]![0], first.get(history.start)![0], 'the first stored sample comes first');
  });

  test('raw points of several series are refused, naming the labels in which they differ', async () => {
    await assert.rejects(
      source.metrics(
        metricsQuery({ conditions: [...LOAD, stringIs('dc', 'a')], startTime: start, endTime: start + HOUR }),
        context(),
      ),
      (error: Error & { body?: { details?: unknown } }) => {
        assert.match(error.message, /match 15 series; raw points of several series cannot be one line/);
        assert.match(String(error.body?.details), /differ in host, quarter\. Add a condition/);
        return true;
      },
    );
  });
});

if (missing) test('the prometheus tests over backfilled history', (t) => t.skip(missing));

/** An HTTP proxy to `upstream` that notes the most samples one matrix answer carried. */
async function countingProxy(upstream: string) {
  const state = { largest: 0 };
  const server = createServer(async (request, response) => {
    const answer = await fetch(new URL(request.url ?? '/', upstream));
    const text = await answer.text();
    const data = (JSON.parse(text) as { data?: { resultType?: string; result?: { values?: unknown[] }[] } })
      .data;
    if (data?.resultType === 'matrix') {
      const samples = (data.result ?? []).reduce((total, series) => total + (series.values?.length ?? 0), 0);
      state.largest = Math.max(state.largest, samples);
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get largest() {
      return state.largest;
    },
    set largest(value: number) {
      state.largest = value;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
