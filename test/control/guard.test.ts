import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkControlRequest, createControlToken } from '../../server/control/guard';

const expected = { token: createControlToken(), port: 7070 };
const check = (headers: Record<string, string>, query = '', needsToken = true) =>
  checkControlRequest({ headers, query: new URLSearchParams(query) }, expected, needsToken);

test('the right token, by header or query, on a loopback Host, passes', () => {
  assert.equal(check({ host: '127.0.0.1:7070', authorization: `Bearer ${expected.token}` }), null);
  assert.equal(check({ host: 'localhost:7070' }, `token=${expected.token}`), null);
  assert.equal(
    check({ host: '127.0.0.1:7070', origin: 'http://127.0.0.1:7070' }, `token=${expected.token}`),
    null,
  );
});

test('a missing or wrong token is refused with 401', () => {
  assert.equal(check({ host: '127.0.0.1:7070' })?.status, 401);
  assert.equal(check({ host: '127.0.0.1:7070', authorization: 'Bearer nope' })?.status, 401);
  assert.equal(check({ host: '127.0.0.1:7070' }, `token=${expected.token}x`)?.status, 401);
});

test('a foreign Host (DNS rebinding) or Origin (cross-site) is refused with 403, token or not', () => {
  assert.equal(check({ host: 'evil.example:7070' }, `token=${expected.token}`)?.status, 403);
  assert.equal(check({ host: '127.0.0.1:7071' }, `token=${expected.token}`)?.status, 403);
  assert.equal(
    check({ host: '127.0.0.1:7070', origin: 'https://evil.example' }, `token=${expected.token}`)?.status,
    403,
  );
  assert.equal(check({ host: 'evil.example:7070' }, '', false)?.status, 403);
});

test('static files need no token but still a loopback Host', () => {
  assert.equal(check({ host: '127.0.0.1:7070' }, '', false), null);
});

test('tokens are long and differ per launch', () => {
  const a = createControlToken();
  assert.ok(a.length >= 32);
  assert.notEqual(a, createControlToken());
});

test('a wrong token of the right length is refused: the token is compared by content, not length', () => {
  // Every other wrong token here differs in length; this one differs in one character only.
  const last = expected.token.at(-1);
  const sameLength = `${expected.token.slice(0, -1)}${last === 'A' ? 'B' : 'A'}`;
  assert.equal(sameLength.length, expected.token.length);
  const byHeader = check({ host: '127.0.0.1:7070', authorization: `Bearer ${sameLength}` });
  const byQuery = check({ host: '127.0.0.1:7070' }, `token=${sameLength}`);
  const other = createControlToken();
  const byOtherToken = check({ host: '127.0.0.1:7070', authorization: `Bearer ${other}` });
  assert.equal(other.length, expected.token.length);
  for (const [how, result] of [
    ['a header', byHeader],
    ['the query', byQuery],
    ['another launch’s token', byOtherToken],
  ] as const) {
    assert.equal(
      result?.status,
      401,
      `broken promise: a wrong control token of the right length (by ${how}) was let through`,
    );
  }
});
