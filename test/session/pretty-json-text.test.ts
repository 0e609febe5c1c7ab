// The log's layout of a body's raw text is JSON.stringify(value, null, 2)'s, cut where that would be.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prettyJsonPrefix } from '../../server/pretty-json';
import { prettyJsonText } from '../../server/session/pretty-json-text';

const samples: unknown[] = [
  {},
  [],
  { a: [], b: {}, c: [{}], d: [[]] },
  { _type: 'TestConnectionResponse', status: 'OK' },
  { text: 'a "quoted" \\ back, slash } ] , : { [', unicode: 'é ☃ \u0001', empty: '' },
  [1, -2.5, 1e21, 0, true, false, null, 'x'],
  {
    _type: 'MetricsResponse',
    telemetry: {
      _type: 'AggregatedMetricTelemetry',
      dataFormat: ['value', 'startTimestamp', 'endTimestamp'],
      points: Array.from({ length: 300 }, (_, i) => [
        i / 7,
        1_700_000_000_000 + i * 60_000,
        1_700_000_060_000 + i * 60_000,
      ]),
      isPartial: false,
    },
  },
  { deep: { er: { and: { deeper: [[[{ x: 1 }]]] } } } },
];

test('compact JSON text is laid out exactly as JSON.stringify(value, null, 2), whole or cut', () => {
  for (const value of samples) {
    const compact = JSON.stringify(value);
    for (const limit of [10, 100, 4096, 1_000_000]) {
      assert.deepEqual(
        prettyJsonText(compact, limit),
        prettyJsonPrefix(value, limit),
        `${compact.slice(0, 60)} at ${limit}`,
      );
    }
  }
});

test('whitespace in the text does not change the layout', () => {
  const spaced = '{ "a" : [ 1 , 2 ] ,\n\t"b" : { } , "c" : [ ] }';
  assert.equal(prettyJsonText(spaced, 1000).text, JSON.stringify(JSON.parse(spaced), null, 2));
});

test('the start of a longer text is always cut, even where its layout fits', () => {
  assert.deepEqual(prettyJsonText('{"a":1', 1000, false), { text: '{\n  "a": 1', truncated: true });
});
