// What a stranger on the public URL can send, over a real socket: every answer is a protocol error
// with the key header (never Node's bare reply, never an "unexpected" error), every exchange lands
// in the log, and nothing a request carries makes a log entry large.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { RunningMirror } from '../../server/mirror/listen';
import { MAX_JSON_DEPTH } from '../../server/protocol/json-limits';
import { MAX_EPOCH_MILLIS } from '../../server/protocol/messages';
import { ENTRY_LIMIT_CHARS, FIELD_LIMIT_CHARS, RequestLog } from '../../server/session/request-log';
import { createDemoSource } from '../../server/telemetry/demo';
import { assertMirrorError, detailsText, send, sendRaw, startTestMirror, TEST_KEY } from './helpers';

const HOUR = 3_600_000;
const now = Date.UTC(2026, 10, 27, 12);

const metricBody = (conditions: unknown[], extra: Record<string, unknown> = {}) => ({
  query: { conditions, startTime: now - HOUR, endTime: now, metricField: 'cpu.usage', ...extra },
});

let mirror: RunningMirror;
const log = new RequestLog();
before(async () => {
  // Every exchange goes through the real request log, as the session records it.
  ({ mirror } = await startTestMirror({ source: createDemoSource(), log }));
});
after(() => mirror.close());

const lastEntry = () => {
  const entry = log.list().at(-1);
  assert.ok(entry, 'the exchange is in the request log');
  return entry;
};

describe('what a request can make large is cut in the log', () => {
  test('a condition key of 1,000,000 characters: a short summary, a bounded entry', async () => {
    const key = 'k'.repeat(1_000_000);
    const reply = await send(mirror.port, {
      path: '/api/metric',
      body: metricBody([{ key, value: { _type: 'StringValue', value: 'a-host' } }]),
    });
    assert.equal(reply.headers['x-mirror-api-key'], TEST_KEY, 'the key header is on the answer');
    const entry = lastEntry();
    assert.ok(
      entry.summary.length <= FIELD_LIMIT_CHARS.summary,
      `the summary is ${entry.summary.length} characters, over its ${FIELD_LIMIT_CHARS.summary}`,
    );
    assert.match(entry.summary, /k…/, 'the summary marks the cut');
    const kept = JSON.stringify(entry).length;
    assert.ok(
      kept <= ENTRY_LIMIT_CHARS + 500,
      `the entry keeps ${kept} characters, over ${ENTRY_LIMIT_CHARS}`,
    );
  });

  test('an InSetValue of 60,000 items: the summary names a few and counts the rest', async () => {
    const items = Array.from({ length: 60_000 }, (_, i) => `host-${i}`);
    await send(mirror.port, {
      path: '/api/metric',
      body: metricBody([{ key: 'host', value: { _type: 'InSetValue', value: items } }]),
    });
    const entry = lastEntry();
    assert.match(entry.summary, /host in \(host-0, host-1, host-2, host-3, host-4, \+59995 more\)/);
    assert.ok(JSON.stringify(entry).length <= ENTRY_LIMIT_CHARS + 500);
  });

  test('100,000 malformed conditions: the error names the first 20 and counts the rest', async () => {
    const reply = await send(mirror.port, { path: '/api/metric', body: metricBody(Array(100_000).fill({})) });
    const body = assertMirrorError(
      { status: reply.status, headers: reply.headers, body: reply.json() },
      { status: 500, summary: 'Request validation errors.' },
    );
    const details = body.details as string[];
    assert.ok(details.length <= 21, `the error lists ${details.length} lines`);
    assert.match(details.at(-1) ?? '', /^… and (many|\d+) more$/);
    assert.ok(reply.text.length < 10_000, `the error body is ${reply.text.length} bytes`);
  });

  test('a URL of 10,000 characters is cut in the log', async () => {
    await send(mirror.port, { method: 'GET', path: `/${'u'.repeat(10_000)}` });
    const entry = lastEntry();
    assert.ok(entry.url.length <= FIELD_LIMIT_CHARS.url, `the url keeps ${entry.url.length} characters`);
    assert.ok(entry.summary.length <= FIELD_LIMIT_CHARS.summary);
  });
});

describe('hostile input is a client error, never an unexpected one', () => {
  for (const [where, build] of [
    ['as the whole body', (deep: string) => deep],
    ['inside a condition value', (deep: string) => JSON.stringify(metricBody([])).replace('[]', deep)],
    ['in connectionDetails', (deep: string) => `{"connectionDetails":{"x":${deep}}}`],
  ] as const) {
    test(`JSON nested 3,000 deep ${where}: a validation error naming the depth`, async () => {
      const deep = `${'['.repeat(3000)}${']'.repeat(3000)}`;
      const reply = await send(mirror.port, { path: '/api/metric', body: build(deep) });
      const body = assertMirrorError(
        { status: reply.status, headers: reply.headers, body: reply.json() },
        { status: 500, summary: 'Request validation errors.' },
      );
      assert.match(detailsText(body), new RegExp(`deeper than ${MAX_JSON_DEPTH} levels`));
    });
  }

  for (const conditions of ['{"constructor":1}', '{"key":"host"}', '{}']) {
    test(`conditions sent as an object (${conditions}): refused, not read as "no conditions"`, async () => {
      // Found by the fuzzer: an object where the array belongs crashed the validator (a `constructor`
      // key) or passed as an empty list, answering as if no condition had been asked.
      const body = `{"query":{"conditions":${conditions},"startTime":0,"endTime":60000}}`;
      const reply = await send(mirror.port, { path: '/api/metric', body });
      const error = assertMirrorError(
        { status: reply.status, headers: reply.headers, body: reply.json() },
        { status: 500, summary: 'Request validation errors.' },
      );
      assert.match(detailsText(error), /query\.conditions: must be an array/);
    });
  }

  test('nesting just inside the limit, and brackets inside strings, are fine', async () => {
    const value = `${'['.repeat(10)}${']'.repeat(10)}`;
    const reply = await send(mirror.port, {
      path: '/api/connection',
      body: `{"connectionDetails":{"a":${value},"b":"${'['.repeat(500)}"}}`,
    });
    assert.equal(reply.status, 200, reply.text);
  });

  for (const startTime of [2 ** 53 + 2, 1e20, '99999999999999999999', MAX_EPOCH_MILLIS + 1]) {
    test(`startTime ${startTime}: refused as beyond any time, not answered`, async () => {
      const reply = await send(mirror.port, {
        path: '/api/metric',
        body: { query: { conditions: [], startTime, endTime: MAX_EPOCH_MILLIS } },
      });
      const body = assertMirrorError(
        { status: reply.status, headers: reply.headers, body: reply.json() },
        { status: 500, summary: 'Request validation errors.' },
      );
      assert.match(detailsText(body), /query\.startTime: must be at most 8640000000000000/);
    });
  }

  test('the latest time a Date can hold is still a valid window end', async () => {
    const reply = await send(mirror.port, {
      path: '/api/field/name',
      body: { query: { conditions: [], startTime: MAX_EPOCH_MILLIS - HOUR, endTime: MAX_EPOCH_MILLIS } },
    });
    assert.equal(reply.status, 200, reply.text);
  });
});

describe('what Node would answer by itself gets a protocol error and a log entry', () => {
  const cases: Array<{ name: string; bytes: string; status: number; summary: RegExp; logged: RegExp }> = [
    {
      name: 'HTTP/1.1 without a Host header',
      bytes: 'POST /api/connection HTTP/1.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
      status: 400,
      summary: /Missing Host header/,
      logged: /^Test Connection$/,
    },
    {
      name: 'CONNECT',
      bytes: 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
      status: 405,
      summary: /CONNECT is not allowed/,
      logged: /^CONNECT example\.com:443$/,
    },
    {
      name: 'an unknown Expect',
      bytes:
        'POST /api/connection HTTP/1.1\r\nHost: m\r\nExpect: teapot\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
      status: 417,
      summary: /Expectation failed/,
      logged: /^POST \/api\/connection$/,
    },
    {
      name: 'a header that is too large',
      bytes: `GET / HTTP/1.1\r\nHost: m\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      status: 431,
      summary: /headers too large/,
      logged: /not readable/,
    },
    {
      name: 'bytes that are not HTTP',
      bytes: 'HELLO THERE\r\n\r\n',
      status: 400,
      summary: /Malformed HTTP request/,
      logged: /not readable/,
    },
    {
      name: 'a URL the router cannot decode',
      bytes: 'POST /api/%zz HTTP/1.1\r\nHost: m\r\nContent-Length: 0\r\nConnection: close\r\n\r\n',
      status: 400,
      summary: /Malformed URL/,
      logged: /^POST \/api\/%zz$/,
    },
  ];
  for (const listener of ['mirror port', 'tunnel-only port'] as const) {
    for (const { name, bytes, status, summary, logged } of cases) {
      test(`${name}, on the ${listener}`, async () => {
        const port = listener === 'mirror port' ? mirror.port : mirror.tunnelPort;
        const before = log.list().at(-1)?.id ?? 0;
        const raw = await sendRaw(port, bytes);
        const [head = '', text = ''] = raw.split('\r\n\r\n');
        assert.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), `Node answered:\n${raw.slice(0, 300)}`);
        assert.match(head, new RegExp(`x-mirror-api-key: ${TEST_KEY}`, 'i'), 'the key header is on it');
        const body = JSON.parse(text) as { _type: string; summary: string };
        assert.equal(body._type, 'RemoteMirrorError');
        assert.match(body.summary, summary);
        await waitFor(() => (log.list().at(-1)?.id ?? 0) > before, 'the exchange reaches the log');
        const entry = lastEntry();
        assert.equal(entry.status, status);
        assert.match(entry.summary, logged);
        assert.match(entry.error ?? '', /^RemoteMirrorError: /);
      });
    }
  }
});

test('a request that trickles in is cut off near its time-out, not twice as late', async () => {
  const { mirror: slow } = await startTestMirror({
    timeouts: { requestTimeout: 1500, headersTimeout: 1500 },
  });
  try {
    const started = Date.now();
    const raw = await sendRaw(
      slow.port,
      'POST /api/connection HTTP/1.1\r\nHost: m\r\nContent-Length: 100\r\n\r\n{"conn',
      15_000,
    );
    const elapsed = Date.now() - started;
    assert.match(raw, /^HTTP\/1\.1 408 /, raw.slice(0, 200));
    assert.match(raw, new RegExp(`x-mirror-api-key: ${TEST_KEY}`, 'i'));
    // Node's default check every 30 s would let it live up to 31.5 s here.
    assert.ok(elapsed < 4000, `the partial request lived ${elapsed} ms against a 1.5 s time-out`);
  } finally {
    await slow.close();
  }
});

async function waitFor(condition: () => boolean, what: string, timeoutMillis = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMillis} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
