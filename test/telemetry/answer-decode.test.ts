// Decoding a backend's answer without a backend: the nesting scan fed in arbitrary pieces (a
// string's quotes and escapes split across them), label values ordered as numbers only when all
// are numbers, and a matrix's samples as numbers.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeAnswer,
  MAX_ANSWER_DEPTH,
  NestingScan,
  orderLabelValues,
} from '../../server/telemetry/answer-decode';

/** The scan's verdict with the bytes fed `size` at a time. */
function scanInPieces(text: string, size: number): string | null {
  const bytes = Buffer.from(text);
  const scan = new NestingScan();
  for (let at = 0; at < bytes.length; at += size) {
    const problem = scan.feed(bytes.subarray(at, at + size));
    if (problem) return problem;
  }
  return null;
}

test('nesting past the limit is seen however the bytes are split; brackets inside strings are not nesting', () => {
  const deep = `${'['.repeat(MAX_ANSWER_DEPTH + 1)}${']'.repeat(MAX_ANSWER_DEPTH + 1)}`;
  const fine = `${'['.repeat(MAX_ANSWER_DEPTH)}${']'.repeat(MAX_ANSWER_DEPTH)}`;
  // Brackets in a string, with an escaped quote and an escaped backslash before the closing quote.
  const inString = JSON.stringify({ data: `${'['.repeat(100)}\\"${'{'.repeat(100)}\\\\` });
  for (const size of [1, 2, 3, 7, 1000]) {
    assert.equal(
      scanInPieces(deep, size),
      `JSON nested deeper than ${MAX_ANSWER_DEPTH} levels`,
      `pieces of ${size}`,
    );
    assert.equal(scanInPieces(fine, size), null, `pieces of ${size}`);
    assert.equal(scanInPieces(inString, size), null, `pieces of ${size}`);
  }
});

test('label values: numbers as numbers with +Inf last, anything else by code unit', () => {
  assert.deepEqual(orderLabelValues(['+Inf', '0.1', '1', '120', '20', '0.25', '2.5']), [
    '0.1',
    '0.25',
    '1',
    '2.5',
    '20',
    '120',
    '+Inf',
  ]);
  assert.deepEqual(orderLabelValues(['200', '404', '1e3', '-1']), ['-1', '200', '404', '1e3']);
  assert.deepEqual(orderLabelValues(['b', '10', '2', 'a']), ['10', '2', 'a', 'b']);
  assert.deepEqual(orderLabelValues(['Infinity', '1']), ['1', 'Infinity']);
});

test('a string list is deduplicated, filtered, ordered and paged; a matrix comes back as numbers', () => {
  const list = Buffer.from(JSON.stringify({ status: 'success', data: ['b', 'a', 'ab', 'a', 'x'] }));
  assert.deepEqual(decodeAnswer(list, { strings: { prefix: 'a', exclude: [], offset: 0, limit: 1 } }), {
    kind: 'success',
    data: { items: ['a'], total: 2 },
    warnings: [],
  });
  const matrix = Buffer.from(
    JSON.stringify({
      status: 'success',
      data: {
        resultType: 'matrix',
        result: [
          {
            metric: { a: 'b' },
            values: [
              [1.5, '2'],
              [2, '+Inf'],
            ],
          },
        ],
      },
    }),
  );
  const decoded = decodeAnswer(matrix, {});
  assert.equal(decoded.kind, 'success');
  const compact = (decoded as { data: { compact: { times: Float64Array; values: Float64Array }[] } }).data
    .compact;
  assert.deepEqual([...compact[0]!.times], [1500, 2000]);
  assert.deepEqual([...compact[0]!.values], [2, Number.POSITIVE_INFINITY]);
  assert.deepEqual(decodeAnswer(Buffer.from('{"status":"error","errorType":"bad_data","error":"x"}'), {}), {
    kind: 'error',
    errorType: 'bad_data',
    error: 'x',
  });
});
