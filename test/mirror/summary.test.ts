// The one-line summaries the request log shows, and the human durations inside them.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { OPERATIONS, type Operation } from '../../server/protocol/messages';
import { describeWindow, humanDuration, summarizeRequest } from '../../server/protocol/summary';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const summary = (operation: Operation | null, body: unknown, method = 'POST', url = '/api/x') =>
  summarizeRequest(operation, { method, url, body }, NOW);

describe('humanDuration', () => {
  const table: Array<[number, string]> = [
    [0, '0 ms'],
    [250, '250 ms'],
    [1000, '1 s'],
    [1500, '1.5 s'],
    [MINUTE, '1 min'],
    [90_000, '1.5 min'],
    [5 * MINUTE, '5 min'],
    [HOUR, '1 h'],
    [3 * HOUR, '3 h'],
    [DAY, '24 h'],
    [36 * HOUR, '36 h'],
    [2 * DAY, '2 d'],
    [7 * DAY, '7 d'],
    [30 * DAY, '30 d'],
  ];
  for (const [millis, expected] of table) {
    test(`${millis} ms reads "${expected}"`, () => assert.equal(humanDuration(millis), expected));
  }

  test('any duration reads as a number and a unit, and the unit times the number is within 5 % of it', () => {
    const factor: Record<string, number> = { ms: 1, s: 1000, min: MINUTE, h: HOUR, d: DAY };
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 * DAY }), (millis) => {
        const match = /^(\d+(?:\.\d)?) (ms|s|min|h|d)$/.exec(humanDuration(millis));
        assert.ok(match, humanDuration(millis));
        const back = Number(match[1]) * (factor[match[2] ?? ''] ?? Number.NaN);
        assert.ok(
          Math.abs(back - millis) <= Math.max(0.5, millis * 0.05),
          `${millis} → ${humanDuration(millis)}`,
        );
      }),
    );
  });
});

describe('describeWindow', () => {
  test('a window that ends about now is "last …"', () => {
    assert.equal(describeWindow({ startTime: NOW - DAY, endTime: NOW }, NOW), 'last 24 h');
    assert.equal(describeWindow({ startTime: NOW - HOUR - 30_000, endTime: NOW - 30_000 }, NOW), 'last 1 h');
    assert.equal(describeWindow({ startTime: NOW - 30 * DAY, endTime: NOW + 1000 }, NOW), 'last 30 d');
  });

  test('any other window is an absolute ISO range', () => {
    assert.equal(
      describeWindow({ startTime: 1504174208940, endTime: 1504347008940 }, NOW),
      '2017-08-31T10:10:08.940Z → 2017-09-02T10:10:08.940Z',
    );
    assert.equal(
      describeWindow({ startTime: NOW - 2 * DAY, endTime: NOW - DAY }, NOW),
      '2024-04-29T12:00:00Z → 2024-04-30T12:00:00Z',
    );
  });

  test('no window when the times are missing or not numbers', () => {
    assert.equal(describeWindow({ startTime: 1 }, NOW), null);
    assert.equal(describeWindow({ startTime: 'soon', endTime: 2 }, NOW), null);
    assert.equal(describeWindow(undefined, NOW), null);
  });
});

describe('summarizeRequest', () => {
  const lastDay = { startTime: NOW - DAY, endTime: NOW };
  const host = { _type: 'EqualityCondition', key: 'host', value: { _type: 'StringValue', value: 'a-host' } };

  test('Test Connection', () => {
    assert.equal(summary('connection', { connectionDetails: {} }), 'Test Connection');
    assert.equal(summary('connection', ''), 'Test Connection');
  });

  test('field names, with their filters and window', () => {
    assert.equal(summary('fieldNames', { query: { ...lastDay, conditions: [] } }), 'field names · last 24 h');
    assert.equal(summary('fieldNames', { query: { conditions: [host] } }), 'field names · host = a-host');
  });

  test('field values of a field, with the typed prefix', () => {
    assert.equal(
      summary('fieldValues', { query: { field: { fieldName: 'host' }, fieldValuePrefix: 'a-' } }),
      'field values of host starting "a-"',
    );
    assert.equal(
      summary('fieldValues', { query: { ...lastDay, field: { fieldName: 'host' }, fieldValuePrefix: '' } }),
      'field values of host · last 24 h',
    );
  });

  test('metrics: field, filters, aggregation and window', () => {
    assert.equal(
      summary('metrics', {
        query: {
          ...lastDay,
          conditions: [host],
          metricField: 'cpu.usage',
          aggregation: { method: 'MEAN', bucketSizeMillis: MINUTE },
        },
      }),
      'metric cpu.usage · host = a-host · MEAN per 1 min · last 24 h',
    );
    assert.equal(
      summary('metrics', {
        query: {
          ...lastDay,
          metricField: 'latency',
          conditions: [
            { key: 'region', value: { _type: 'InSetValue', value: ['eu', 'us'] } },
            { key: 'up', value: { _type: 'BooleanValue', value: true } },
          ],
          aggregation: null,
        },
      }),
      'metric latency · region in (eu, us), up = true · raw · last 24 h',
    );
  });

  test('an operation without a query says so', () => {
    assert.equal(summary('metrics', { connectionDetails: {} }), 'metric values (no query)');
    assert.equal(summary('fieldNames', ''), 'field names (no query)');
  });

  test('anything else is its method and url', () => {
    assert.equal(summary(null, '', 'GET', '/favicon.ico'), 'GET /favicon.ico');
  });

  test('never throws and never returns an empty line, whatever the body', () => {
    const operations = [...(Object.keys(OPERATIONS) as Operation[]), null];
    fc.assert(
      fc.property(
        fc.constantFrom(...operations),
        fc.oneof(
          fc.jsonValue(),
          fc.record({ query: fc.jsonValue() }),
          fc.record({ query: fc.dictionary(fc.string(), fc.jsonValue({ depthSize: 'small' })) }),
          fc.record({
            query: fc.record({
              metricField: fc.string({ unit: 'binary' }),
              conditions: fc.array(
                fc.record({
                  key: fc.string({ unit: 'binary' }),
                  value: fc.record({ value: fc.jsonValue() }),
                }),
              ),
            }),
          }),
        ),
        (operation, body) => {
          const line = summary(operation, body);
          assert.equal(typeof line, 'string');
          assert.ok(line.length > 0);
          assert.ok(!line.includes('\n'));
        },
      ),
    );
  });
});

describe('hostile bodies', () => {
  test('a condition value that is an object, even one with a toString key, is shown as JSON', () => {
    const body = {
      query: {
        conditions: [{ key: 'host', value: { _type: 'StringValue', value: { toString: 1 } } }],
        startTime: NOW - HOUR,
        endTime: NOW,
      },
    };
    assert.match(summary('metrics', body), /host = \{"toString":1\}/);
  });
});
