import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { prettyJsonPrefix } from '../server/pretty-json';

test('for any JSON value and any limit, it is the start of JSON.stringify(value, null, 2)', () => {
  fc.assert(
    fc.property(fc.jsonValue(), fc.integer({ min: 0, max: 400 }), (value, limit) => {
      const full = JSON.stringify(value, null, 2);
      const { text, truncated } = prettyJsonPrefix(value, limit);
      assert.equal(text, full.slice(0, limit));
      assert.equal(truncated, full.length > limit);
    }),
    { numRuns: 500 },
  );
});

test('a day of metric points stops printing at the limit', () => {
  const points = Array.from({ length: 1440 }, (_, i) => [
    i / 7,
    1_700_000_000_000 + i * 60_000,
    1_700_000_060_000 + i * 60_000,
  ]);
  const body = { _type: 'MetricsResponse', telemetry: { points, isPartial: false } };
  const { text, truncated } = prettyJsonPrefix(body, 4096);
  assert.equal(truncated, true);
  assert.equal(text, JSON.stringify(body, null, 2).slice(0, 4096));
  assert.deepEqual(prettyJsonPrefix(undefined, 10), { text: '', truncated: false });
});
