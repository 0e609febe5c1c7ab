// The request validator on its own: defaults, the one coercion it allows, and readable error lines.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileBodyValidator } from '../../server/mirror/errors';
import { fieldName } from '../../server/protocol/body-check';
import { INT_MAX, MetricsRequest } from '../../server/protocol/messages';
import { TelemetryError } from '../../server/telemetry/source';

const validate = compileBodyValidator(MetricsRequest);

const detailsOf = (result: ReturnType<typeof validate>): string[] => {
  assert.ok('error' in result, 'the body is rejected');
  assert.ok(result.error instanceof TelemetryError);
  const { body } = result.error;
  assert.equal(body._type, 'RemoteMirrorError');
  assert.ok(body._type === 'RemoteMirrorError' && Array.isArray(body.details));
  return body.details as string[];
};

describe('compileBodyValidator', () => {
  test('fills in the defaults without touching the body it was given', () => {
    const body = { query: { startTime: 1, endTime: 2 } };
    const result = validate(body);
    assert.ok('value' in result);
    assert.deepEqual(result.value, { query: { startTime: 1, endTime: 2, conditions: [], limit: INT_MAX } });
    assert.deepEqual(body, { query: { startTime: 1, endTime: 2 } });
  });

  test('gives each request its own default arrays', () => {
    const first = validate({ query: { startTime: 1, endTime: 2 } });
    const second = validate({ query: { startTime: 1, endTime: 2 } });
    assert.ok('value' in first && 'value' in second);
    const conditionsOf = (value: unknown) => (value as { query: { conditions: unknown[] } }).query.conditions;
    assert.notEqual(conditionsOf(first.value), conditionsOf(second.value));
  });

  test('accepts any non-negative integer written in decimal digits, as that integer', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), (start, length) => {
        const result = validate({ query: { startTime: String(start), endTime: ` ${start + length} ` } });
        assert.ok('value' in result);
        const { query } = result.value as { query: { startTime: number; endTime: number } };
        assert.equal(query.startTime, start);
        assert.equal(query.endTime, start + length);
      }),
    );
  });

  test('rejects every non-integer number, and strings that are not digits', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true }).filter((value) => !Number.isInteger(value)),
          fc.string().filter((text) => !/^\s*-?\d+\s*$/.test(text)),
          fc.constantFrom(null, true, false, [], {}),
        ),
        (startTime) => {
          const details = detailsOf(validate({ query: { startTime, endTime: 5 } }));
          assert.ok(
            details.some((line) => line.startsWith('query.startTime: ')),
            details.join('; '),
          );
        },
      ),
    );
  });

  test('names every offending field once', () => {
    const details = detailsOf(validate({ query: { endTime: 'x', conditions: [{ key: 1 }] } }));
    assert.deepEqual(details, [
      'query.startTime: is required',
      'query.conditions[0].value: is required',
      'query.conditions[0].key: must be a string (got 1)',
      'query.endTime: must be an integer (got "x")',
    ]);
  });
});

describe('fieldName', () => {
  test('turns JSON pointers into the names a person would write', () => {
    assert.equal(fieldName(''), 'body');
    assert.equal(fieldName('/query'), 'query');
    assert.equal(fieldName('/query/conditions/0/value/value'), 'query.conditions[0].value.value');
    assert.equal(fieldName('/a~1b/c~0d'), 'a/b.c~d');
  });
});
