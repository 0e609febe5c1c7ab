// The mirror over real sockets on 127.0.0.1: both listeners, keep-alive and HTTP/1.0 clients,
// errors on a live connection, a port already in use, and closing with idle clients connected.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { MirrorListenError, type RunningMirror, startMirror } from '../../server/mirror/listen';
import type { MirrorExchange } from '../../server/protocol/exchange';
import { fixture, fixtureText } from './fixtures';
import {
  APP_INFO,
  assertMirrorError,
  keyHeaderOf,
  send,
  sendRaw,
  startTestMirror,
  TEST_KEY,
} from './helpers';
import { createStandInSource } from './stand-in-source';

/** Fails the test instead of hanging when `promise` takes longer than a generous limit. */
async function within<T>(promise: Promise<T>, millis: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${millis} ms`)), millis);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const listeningServers = () =>
  process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;

/** Node releases a closed server's handle a moment after close: poll, with a generous limit. */
async function eventually(condition: () => boolean, what: string, millis = 5000): Promise<void> {
  const deadline = Date.now() + millis;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`${what} did not happen within ${millis} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a running mirror', () => {
  let mirror: RunningMirror;
  let exchanges: MirrorExchange[];
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });

  before(async () => {
    ({ mirror, exchanges } = await startTestMirror());
  });
  after(async () => {
    agent.destroy();
    await mirror.close();
  });

  test('reports where it listens', () => {
    assert.equal(mirror.host, '127.0.0.1');
    assert.ok(mirror.port > 0);
    assert.ok(mirror.tunnelPort > 0);
    assert.notEqual(mirror.port, mirror.tunnelPort);
    assert.equal(mirror.localUrl, `http://127.0.0.1:${mirror.port}/`);
  });

  test('answers every operation with the documented examples, on both listeners', async () => {
    const examples = [
      ['/api/connection', 'docs-test-connection.request'],
      ['/api/field/name', 'sample-field-names.request'],
      ['/api/field/value', 'sample-field-values.request'],
      ['/api/metric', 'docs-metric-raw.request'],
      ['/api/metric', 'docs-metric-aggregated.request'],
    ] as const;
    for (const port of [mirror.port, mirror.tunnelPort]) {
      for (const [path, name] of examples) {
        const reply = await send(port, {
          path,
          body: fixtureText(name),
          headers: { 'content-type': 'application/json' },
        });
        assert.equal(reply.status, 200, `${path} on ${port}`);
        assert.equal(keyHeaderOf(reply.headers), TEST_KEY);
        assert.match(String(reply.headers['content-type']), /^application\/json/);
        assert.equal(reply.headers['content-length'], String(Buffer.byteLength(reply.text)));
      }
      const names = await send(port, {
        path: '/api/field/name',
        body: fixtureText('sample-field-names.request'),
      });
      assert.deepEqual(names.json(), fixture('sample-field-names.response'));
    }
  });

  test('tells the two listeners apart by the local port of each exchange', async () => {
    await send(mirror.port, { path: '/api/connection', body: {}, headers: { 'x-origin': 'local' } });
    await send(mirror.tunnelPort, { path: '/api/connection', body: {}, headers: { 'x-origin': 'tunnel' } });
    const local = exchanges.find((exchange) => exchange.headers['x-origin'] === 'local');
    const tunnel = exchanges.find((exchange) => exchange.headers['x-origin'] === 'tunnel');
    assert.equal(local?.localPort, mirror.port);
    assert.equal(tunnel?.localPort, mirror.tunnelPort);
    assert.equal(tunnel?.remoteAddress, '127.0.0.1');
    assert.equal(tunnel?.operation, 'connection');
  });

  test('keeps a keep-alive connection usable after each kind of error', async () => {
    const first = await send(mirror.port, { path: '/api/connection', body: {}, agent });
    assert.equal(first.status, 200);
    const errors: Array<{ method?: string; path: string; body?: string | object; status: number }> = [
      { path: '/api/metric', body: { query: { startTime: 1000.5, endTime: 2000 } }, status: 500 },
      { path: '/api/metric', body: { connectionDetails: {} }, status: 500 },
      { path: '/api/metric', body: { query: { startTime: 3, endTime: 2 } }, status: 500 },
      { path: '/api/nowhere', body: {}, status: 404 },
      { method: 'GET', path: '/api/metric', status: 405 },
    ];
    for (const error of errors) {
      const reply = await send(mirror.port, { ...error, agent });
      assertMirrorError(
        { status: reply.status, headers: reply.headers, body: reply.json() },
        { status: error.status },
      );
      const next = await send(mirror.port, { path: '/api/connection', body: {}, agent });
      assert.equal(next.status, 200, `the request after a ${error.status} on ${error.path}`);
      assert.equal(next.reusedSocket, true, 'served on the same connection');
    }
  });

  test('answers malformed JSON, then serves the next request', async () => {
    const reply = await send(mirror.port, { path: '/api/metric', body: '{"query":', agent });
    assertMirrorError(
      { status: reply.status, headers: reply.headers, body: reply.json() },
      { status: 500, summary: 'Malformed JSON body.' },
    );
    // fastify closes a connection whose body it could not parse; the client simply opens another.
    const next = await send(mirror.port, { path: '/api/connection', body: {}, agent });
    assert.equal(next.status, 200);
  });

  test('answers a declared body over 1 MiB with 413 and the key header, before reading it', async () => {
    const raw = await sendRaw(
      mirror.port,
      'POST /api/connection HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2000000\r\n\r\n',
    );
    assert.match(raw, /^HTTP\/1\.1 413 /);
    assert.match(raw, new RegExp(`\\r\\nx-mirror-api-key: ${TEST_KEY}\\r\\n`, 'i'));
    assert.ok(raw.includes('"summary":"Request body too large."'));
    assert.equal((await send(mirror.port, { path: '/api/connection', body: {} })).status, 200);
  });

  test('answers an upload over 1 MiB with 413, whether its length is declared or chunked', async () => {
    const body = JSON.stringify({ connectionDetails: { padding: 'x'.repeat(1024 * 1024 + 10) } });
    for (const chunked of [false, true]) {
      const reply = await send(mirror.port, { path: '/api/connection', body, chunked });
      assertMirrorError(
        { status: reply.status, headers: reply.headers, body: reply.json() },
        { status: 413 },
      );
    }
  });

  test('serves an HTTP/1.0 client a complete response and closes', async () => {
    const body = fixtureText('sample-test-connection.request');
    const raw = await sendRaw(
      mirror.port,
      `POST /api/connection HTTP/1.0\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    const [head = '', payload] = raw.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.[01] 200 OK/);
    // Spelled exactly as the protocol and the reference mirror S3 send it.
    assert.ok(head.includes(`\r\nX-MIRROR-API-KEY: ${TEST_KEY}\r\n`), head);
    assert.deepEqual(JSON.parse(payload ?? ''), { _type: 'TestConnectionResponse', status: 'OK' });
    // HTTP/1.0 with no body at all (how S1's clients call Test Connection), through the tunnel listener.
    const bare = await sendRaw(mirror.tunnelPort, 'POST //api/connection/ HTTP/1.0\r\n\r\n');
    assert.match(bare, /^HTTP\/1\.[01] 200 OK/);
    assert.ok(bare.endsWith('{"_type":"TestConnectionResponse","status":"OK"}'));
  });

  test('answers garbage that is not HTTP with a 400 that carries the key header', async () => {
    const raw = await sendRaw(mirror.port, 'HELLO\r\n\r\n');
    assert.match(raw, /^HTTP\/1\.1 400 /);
    assert.match(raw, new RegExp(`\\r\\nX-MIRROR-API-KEY: ${TEST_KEY}\\r\\n`));
    assert.ok(raw.includes('"_type":"RemoteMirrorError"'));
  });

  test('answers a URL the router cannot decode with a 400 that carries the key header', async () => {
    const reply = await send(mirror.port, { path: '/api/%zz', body: {} });
    assertMirrorError(
      { status: reply.status, headers: reply.headers, body: reply.json() },
      { status: 400, summary: 'Malformed URL.' },
    );
  });

  test('GET / over a socket: HTML for a browser, JSON for curl', async () => {
    const html = await send(mirror.port, { method: 'GET', path: '/', headers: { accept: 'text/html' } });
    assert.match(html.text, /Paste this URL into StackState/);
    assert.ok(html.text.includes(`http://127.0.0.1:${mirror.port}/`), 'shows the URL the browser used');
    assert.equal(keyHeaderOf(html.headers), TEST_KEY);
    const json = await send(mirror.port, { method: 'GET', path: '/', headers: { accept: '*/*' } });
    assert.deepEqual((json.json() as { app: string }).app, APP_INFO.name);
  });
});

describe('the API key getter on a live mirror', () => {
  test('a regenerated key is in the next response on the same connection', async () => {
    let key = 'key-before';
    const { mirror } = await startTestMirror({ apiKey: () => key });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await send(mirror.port, { path: '/api/connection', body: {}, agent });
      assert.equal(keyHeaderOf(first.headers), 'key-before');
      key = 'key-after';
      const second = await send(mirror.port, { path: '/api/connection', body: {}, agent });
      assert.equal(second.reusedSocket, true);
      assert.equal(keyHeaderOf(second.headers), 'key-after');
    } finally {
      agent.destroy();
      await mirror.close();
    }
  });
});

describe('starting and stopping', () => {
  test('a port in use rejects with EADDRINUSE and a plain message, and leaves nothing open', async () => {
    const { mirror } = await startTestMirror();
    try {
      const attempt = startMirror({
        host: '127.0.0.1',
        port: mirror.port,
        source: () => createStandInSource(),
        apiKey: () => TEST_KEY,
        appInfo: APP_INFO,
      });
      await assert.rejects(attempt, (error: unknown) => {
        assert.ok(error instanceof MirrorListenError);
        assert.equal(error.code, 'EADDRINUSE');
        assert.equal(
          error.message,
          `Port ${mirror.port} is already in use (by another mirror, such as the tutorial's Python sample?). Choose another port in Settings or with --port <n> (0 picks any free port).`,
        );
        return true;
      });
      // Earlier tests closed their mirrors, so in the end only this mirror's two listeners remain.
      await eventually(() => listeningServers() === 2, 'only the first mirror listening');
      // The first mirror is unaffected.
      assert.equal((await send(mirror.port, { path: '/api/connection', body: {} })).status, 200);
    } finally {
      await mirror.close();
    }
  });

  test('an address that is not this machine’s rejects with EADDRNOTAVAIL and a plain message', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never assigned to a real interface.
    const attempt = startMirror({
      host: '192.0.2.1',
      port: 0,
      source: () => createStandInSource(),
      apiKey: () => TEST_KEY,
      appInfo: APP_INFO,
    });
    await assert.rejects(attempt, {
      name: 'MirrorListenError',
      code: 'EADDRNOTAVAIL',
      message:
        '192.0.2.1 is not an address of this machine. Use 127.0.0.1 (this machine only) or 0.0.0.0 (every network).',
    });
  });

  test('close() finishes promptly with idle keep-alive clients on both listeners, and frees both ports', async () => {
    const { mirror } = await startTestMirror();
    const agent = new Agent({ keepAlive: true });
    try {
      await send(mirror.port, { path: '/api/connection', body: {}, agent });
      await send(mirror.tunnelPort, { path: '/api/connection', body: {}, agent });
      const idleSockets = Object.values(agent.freeSockets).flat();
      assert.equal(idleSockets.length, 2, 'two idle keep-alive connections are open');
      const closedByServer = idleSockets.map(
        (socket) => new Promise((resolve) => socket?.once('close', resolve)),
      );

      await within(mirror.close(), 5000, 'close() with idle keep-alive clients');
      await within(Promise.all(closedByServer), 5000, 'the server closing idle connections');
      await assert.rejects(send(mirror.port, { path: '/api/connection', body: {} }), {
        code: 'ECONNREFUSED',
      });
      await assert.rejects(send(mirror.tunnelPort, { path: '/api/connection', body: {} }), {
        code: 'ECONNREFUSED',
      });
      await within(mirror.close(), 5000, 'a second close()');
    } finally {
      agent.destroy();
    }
  });

  test('close() does not wait for a client that sent half a request', async () => {
    const { mirror } = await startTestMirror();
    const { connect } = await import('node:net');
    const socket = connect({ host: '127.0.0.1', port: mirror.port });
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('POST /api/connection HTTP/1.1\r\nHost: x\r\n');
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.on('error', () => {});
    await new Promise((resolve) => setTimeout(resolve, 50));
    await within(mirror.close(), 5000, 'close() with a half-sent request');
    await within(closed, 5000, 'the half-open connection being cut');
  });
});
