// The mirror writes a metric answer's points itself (answer-bytes.ts): the bytes must be exactly
// JSON.stringify's, UTF-8 encoded, for every number a source can put in a point.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { answerBytes } from '../../server/mirror/answer-bytes';
import { aggregatedResponse, rawResponse } from '../../server/telemetry/responses';

const jsonBytes = (answer: unknown) => Buffer.from(JSON.stringify(answer));

/** Every kind of number: timestamps, doubles, integers at the edges of the fast path, and non-finite ones. */
const anyNumber = fc.oneof(
  fc.double(),
  fc.integer({ min: 0, max: 4_000_000_000_000 }),
  fc.constantFrom(
    0,
    -0,
    1e9 - 1,
    1e9,
    1e9 + 1,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER + 1,
    2 ** 60,
    1e21,
    -1,
    0.1,
    5e-324,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
  ),
  fc.maxSafeInteger(),
);

test('an aggregated answer: exactly the bytes of JSON.stringify, whatever the numbers', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(anyNumber, anyNumber, anyNumber), { maxLength: 60 }),
      fc.boolean(),
      (points, isPartial) => {
        const answer = aggregatedResponse(points, isPartial);
        assert.deepEqual(answerBytes(answer), jsonBytes(answer));
      },
    ),
    { numRuns: 500 },
  );
});

test('a raw answer, and answers that are not metric answers, the same', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(anyNumber, anyNumber), { maxLength: 60 }), (points) => {
      const answer = rawResponse(points, false);
      assert.deepEqual(answerBytes(answer), jsonBytes(answer));
    }),
  );
  const fields = {
    _type: 'FieldNamesResponse',
    fields: [{ fieldName: 'hôst ☃', fieldType: 'STRING' }],
    isPartial: false,
  };
  assert.deepEqual(answerBytes(fields), jsonBytes(fields));
});

test('a large answer after a small one: the buffer grows and nothing of the earlier answer shows', () => {
  const small = aggregatedResponse([[1, 2, 3]], false);
  const large = aggregatedResponse(
    Array.from({ length: 10_000 }, (_, i) => [
      i / 7,
      1_764_000_000_000 + i * 60_000,
      1_764_000_060_000 + i * 60_000,
    ]),
    false,
  );
  assert.deepEqual(answerBytes(small), jsonBytes(small));
  assert.deepEqual(answerBytes(large), jsonBytes(large));
  assert.deepEqual(answerBytes(small), jsonBytes(small));
});

test('a point that is not all numbers (a source bug) still goes out as JSON.stringify writes it', () => {
  const odd = aggregatedResponse([[1, 2, 3], ['x', 2, 3] as unknown as [number, number, number]], false);
  assert.deepEqual(answerBytes(odd), jsonBytes(odd));
});
