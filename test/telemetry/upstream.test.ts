// The `upstream` kind with real sockets: our mirror in front of the faulty Python mirrors of
// test/cli/fixtures. Answers pass through byte for byte (status, key header, body), each is graded
// by the rules of `npm run check` with the findings on its exchange, and an upstream that is down or
// hangs becomes a protocol error with the key header, within the deadline.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { createUpstreamSource } from '../../server/telemetry/upstream';
import { type CheckJson, FIXTURE_KEY, failing, runCheck, startFixture } from '../cli/fixture-mirrors';
import { startTestMirror, TEST_KEY } from '../mirror/helpers';

interface RawReply {
  status: number;
  key: string | undefined;
  body: Buffer;
}

function post(port: number, path: string, body: string): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          key: res.headers['x-mirror-api-key'] as string | undefined,
          body: Buffer.concat(chunks),
        }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

const WINDOW = { startTime: 1_600_000_000_000, endTime: 1_600_003_600_000 };
const REQUESTS = {
  connection: ['/api/connection', { connectionDetails: {} }],
  names: ['/api/field/name', { connectionDetails: {}, query: { ...WINDOW, limit: 2 } }],
  values: [
    '/api/field/value',
    { query: { ...WINDOW, field: { fieldName: 'field1' }, fieldValuePrefix: 'v' } },
  ],
  raw: ['/api/metric', { query: { ...WINDOW, limit: 5 } }],
  aggregated: [
    '/api/metric',
    { query: { ...WINDOW, aggregation: { method: 'MAX', bucketSizeMillis: 60_000 } } },
  ],
  error: [
    '/api/metric',
    { query: { ...WINDOW, conditions: [{ key: 'nope', value: { _type: 'StringValue', value: 'x' } }] } },
  ],
} as const;

async function inFront(fault: Parameters<typeof startFixture>[0], deadlineMillis = 5000) {
  const fixture = await startFixture(fault);
  const source = createUpstreamSource({ url: fixture.url });
  const { mirror, exchanges } = await startTestMirror({ source, deadlineMillis });
  return {
    fixture,
    source,
    mirror,
    exchanges,
    stop: async () => {
      await mirror.close();
      await fixture.stop();
    },
  };
}

test('answers pass through byte for byte: status, key header and body; a sound upstream gets no findings', async () => {
  const setup = await inFront('none');
  try {
    assert.equal(setup.source.learnedApiKey?.(), null);
    for (const [name, [path, body]] of Object.entries(REQUESTS)) {
      const text = JSON.stringify(body);
      const direct = await post(setup.fixture.port, path, text);
      const relayed = await post(setup.mirror.port, path, text);
      assert.equal(relayed.status, direct.status, name);
      assert.equal(relayed.key, direct.key, name);
      assert.ok(relayed.body.equals(direct.body), `${name}: the same bytes`);
      assert.equal(setup.exchanges.at(-1)?.findings, undefined, `${name}: no findings`);
    }
    assert.equal(setup.exchanges.at(-1)?.status, 500);
    assert.match(setup.exchanges.at(-1)?.error ?? '', /^MetricNotFoundError/);
    assert.equal(setup.source.learnedApiKey?.(), FIXTURE_KEY, 'the upstream’s key is the key to paste');
  } finally {
    await setup.stop();
  }
});

test('a broken rule rides on its own exchange as a finding; the answer still passes through as it came', async () => {
  const setup = await inFront('buckets-ignored');
  try {
    const [rawPath, rawBody] = REQUESTS.raw;
    await post(setup.mirror.port, rawPath, JSON.stringify(rawBody));
    assert.equal(setup.exchanges.at(-1)?.findings, undefined, 'the raw answer breaks nothing');
    const [path, body] = REQUESTS.aggregated;
    const direct = await post(setup.fixture.port, path, JSON.stringify(body));
    const relayed = await post(setup.mirror.port, path, JSON.stringify(body));
    assert.ok(relayed.body.equals(direct.body));
    const findings = setup.exchanges.at(-1)?.findings ?? [];
    assert.deepEqual(
      findings.map((f) => [f.id, f.severity]),
      [['buckets', 'fail']],
    );
    assert.match(findings[0]!.message, /spans 72000 ms .* for bucketSizeMillis 60000 — the protocol asks/);
  } finally {
    await setup.stop();
  }
});

test('an error without the key, or as an HTML page, passes through as it came, with its finding', async () => {
  for (const [fault, rule] of [
    ['no-key-on-errors', 'key-header'],
    ['html-errors', 'error-object'],
  ] as const) {
    const setup = await inFront(fault);
    try {
      const [path, body] = REQUESTS.error;
      const direct = await post(setup.fixture.port, path, JSON.stringify(body));
      const relayed = await post(setup.mirror.port, path, JSON.stringify(body));
      assert.equal(relayed.status, 500);
      assert.equal(relayed.key, direct.key, fault);
      assert.ok(relayed.body.equals(direct.body), fault);
      assert.deepEqual(
        setup.exchanges.at(-1)?.findings?.map((f) => f.id),
        [rule],
      );
    } finally {
      await setup.stop();
    }
  }
});

test('an upstream that hangs gets a protocol error with the key header at the deadline', async () => {
  const setup = await inFront('hang', 800);
  try {
    await post(setup.mirror.port, '/api/connection', '{}'); // learns the key
    const started = Date.now();
    const [path, body] = REQUESTS.values;
    const reply = await post(setup.mirror.port, path, JSON.stringify(body));
    assert.ok(Date.now() - started < 3000, 'answered at the deadline');
    assert.equal(reply.status, 500);
    assert.equal(reply.key, FIXTURE_KEY, 'the key StackState was given');
    assert.equal(JSON.parse(reply.body.toString())._type, 'RemoteMirrorError');
    assert.deepEqual(
      setup.exchanges.at(-1)?.findings?.map((f) => [f.id, f.severity]),
      [['in-time', 'fail']],
    );
  } finally {
    await setup.stop();
  }
});

test('an upstream that is down, or resets, gets MetricStoreConnectionError with the key header', async () => {
  const setup = await inFront('reset');
  try {
    const reset = await post(setup.mirror.port, '/api/field/name', JSON.stringify(REQUESTS.names[1]));
    assert.equal(reset.status, 500);
    assert.equal(reset.key, TEST_KEY, 'no key learned yet: the configured one');
    assert.equal(JSON.parse(reset.body.toString())._type, 'MetricStoreConnectionError');
    assert.deepEqual(
      setup.exchanges.at(-1)?.findings?.map((f) => f.id),
      ['answered'],
    );
    await post(setup.mirror.port, '/api/connection', '{}');
    await setup.fixture.stop();
    const down = await post(setup.mirror.port, '/api/connection', '{}');
    assert.equal(down.status, 500);
    assert.equal(down.key, FIXTURE_KEY);
    const error = JSON.parse(down.body.toString());
    assert.equal(error._type, 'MetricStoreConnectionError');
    assert.match(error.details, /^The upstream mirror did not answer\./);
    assert.match(
      setup.exchanges.at(-1)?.error ?? '',
      /Nothing answers at 127\.0\.0\.1:\d+ \(connection refused\) — is it running\?/,
      'the cause is in the log',
    );
  } finally {
    await setup.stop();
  }
});

test('`npm run check` through our mirror in front of an upstream sees the upstream’s verdict', async () => {
  for (const [fault, expected] of [
    ['none', []],
    ['unsorted', ['sorted']],
  ] as const) {
    const setup = await inFront(fault);
    try {
      const { stdout } = await runCheck([
        setup.mirror.localUrl,
        '--api-key',
        FIXTURE_KEY,
        '--json',
        '--timeout',
        '3',
      ]);
      assert.deepEqual(failing(JSON.parse(stdout) as CheckJson), expected, stdout);
    } finally {
      await setup.stop();
    }
  }
});

test('an upstream URL that leads back to the app is refused, not followed round and round', async () => {
  let port = 0;
  const source = createUpstreamSource({ url: 'http://127.0.0.1:1/' });
  const { mirror, exchanges } = await startTestMirror({
    source: {
      ...source,
      forward: (operation, body, context) =>
        createUpstreamSource({ url: `http://127.0.0.1:${port}/` }).forward!(operation, body, context),
    },
    deadlineMillis: 3000,
  });
  port = mirror.port;
  try {
    const reply = await post(port, '/api/connection', '{}');
    assert.equal(reply.status, 500);
    assert.equal(reply.key, TEST_KEY);
    assert.match(JSON.parse(reply.body.toString()).summary, /leads back to this app/);
    assert.equal(exchanges.length, 2, 'one hop, then the refusal');
  } finally {
    await mirror.close();
  }
});
