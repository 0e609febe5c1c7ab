// Clients that send a request slowly (slowloris: a byte now and then, each soon enough to keep the
// socket's idle time-out from firing) are cut off near the headers or request time-out, counted
// from the request's first byte, on both listeners; a connection kept alive between requests and a
// request being answered slowly are not. Real sockets on 127.0.0.1, bytes written by hand.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { RunningMirror } from '../../server/mirror/listen';
import type { TelemetrySource } from '../../server/telemetry/source';
import { startTestMirror, TEST_KEY } from './helpers';
import { createStandInSource } from './stand-in-source';

const HEADERS_TIMEOUT = 1500;
const REQUEST_TIMEOUT = 3000;
/** How late a cut may come: one check (a second) to see the request begin, one to find it late, and a slow machine. */
const SLACK = 2500;
/** A byte this often keeps the socket's own idle time-out (75 s) far away. */
const TRICKLE_GAP = 150;
/** How long the stand-in source takes to answer /api/connection, longer than the request time-out. */
const SLOW_ANSWER_MILLIS = REQUEST_TIMEOUT + 1000;

const CONNECTION_REQUEST = 'POST /api/connection HTTP/1.1\r\nHost: m\r\nContent-Length: 2\r\n\r\n{}';

let mirror: RunningMirror;
let slowAnswers = false;
before(async () => {
  const standIn = createStandInSource();
  const source: TelemetrySource = {
    ...standIn,
    testConnection: async (context) => {
      if (slowAnswers) await new Promise((resolve) => setTimeout(resolve, SLOW_ANSWER_MILLIS));
      return standIn.testConnection(context);
    },
  };
  ({ mirror } = await startTestMirror({
    source,
    deadlineMillis: 60_000,
    timeouts: { headersTimeout: HEADERS_TIMEOUT, requestTimeout: REQUEST_TIMEOUT },
  }));
});
after(() => mirror.close());

/** A raw connection: what it received so far, and when it was closed. */
function open(port: number) {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(performance.now())));
  return {
    socket,
    received: () => received,
    /** When the server closed the connection, failing if that takes longer than `limit` + SLACK. */
    cutOff: (limit: number, what: string) => {
      const waitMillis = limit + SLACK + 1000;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`${what}: still open ${waitMillis} ms later, against a ${limit} ms time-out`));
        }, waitMillis);
      });
      return Promise.race([closed, late]).finally(() => clearTimeout(timer));
    },
    /** Resolves once `text` has arrived. */
    waitFor: async (text: string, timeoutMillis = 5000) => {
      const deadline = performance.now() + timeoutMillis;
      while (!received.includes(text)) {
        assert.ok(performance.now() < deadline, `no "${text}" within ${timeoutMillis} ms; got:\n${received}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
  };
}

/** Writes `text` a byte at a time, TRICKLE_GAP apart, until the socket is closed or the text is sent. */
async function trickle(socket: Socket, text: string): Promise<void> {
  for (const byte of text) {
    if (socket.destroyed || socket.writableEnded) return;
    socket.write(byte);
    await new Promise((resolve) => setTimeout(resolve, TRICKLE_GAP));
  }
}

/** A request, trickled far longer than any time-out, that no one should let finish. */
const ENDLESS_HEADERS = `GET /api/connection HTTP/1.1\r\nHost: m\r\n${'X-Slow: y\r\n'.repeat(100)}`;

function assertCutOff(received: string, lived: number, limit: number, what: string) {
  assert.match(received, /^HTTP\/1\.1 408 /, `${what}: a 408 answer, got:\n${received.slice(0, 300)}`);
  assert.match(
    received,
    new RegExp(`x-mirror-api-key: ${TEST_KEY}`, 'i'),
    `${what}: the key header is on it`,
  );
  assert.ok(
    lived >= limit - 100,
    `${what}: cut after ${Math.round(lived)} ms, before its ${limit} ms time-out`,
  );
  assert.ok(lived <= limit + SLACK, `${what}: lived ${Math.round(lived)} ms against a ${limit} ms time-out`);
}

for (const listener of ['mirror port', 'tunnel-only port'] as const) {
  const portOf = () => (listener === 'mirror port' ? mirror.port : mirror.tunnelPort);

  describe(`slow clients on the ${listener}`, () => {
    test('headers sent a byte at a time are cut off near the headers time-out', async () => {
      const client = open(portOf());
      const started = performance.now();
      void trickle(client.socket, ENDLESS_HEADERS);
      const closedAt = await client.cutOff(HEADERS_TIMEOUT, 'trickled headers');
      assertCutOff(client.received(), closedAt - started, HEADERS_TIMEOUT, 'trickled headers');
    });

    test('a body sent a byte at a time is cut off near the request time-out', async () => {
      const client = open(portOf());
      const started = performance.now();
      client.socket.write('POST /api/connection HTTP/1.1\r\nHost: m\r\nContent-Length: 1000\r\n\r\n');
      void trickle(client.socket, `{"a":"${'x'.repeat(990)}"}`);
      const closedAt = await client.cutOff(REQUEST_TIMEOUT, 'trickled body');
      assertCutOff(client.received(), closedAt - started, REQUEST_TIMEOUT, 'trickled body');
    });

    test('a kept-alive connection may idle past the headers time-out; its next request is timed from its first byte', async () => {
      const client = open(portOf());
      client.socket.write(CONNECTION_REQUEST);
      await client.waitFor('"TestConnectionResponse"');
      const answered = client.received().length;
      // Idle, as a client between two polls: only the keep-alive time-out (65 s) applies.
      await new Promise((resolve) => setTimeout(resolve, HEADERS_TIMEOUT + 1500));
      assert.ok(!client.socket.destroyed, 'the idle kept-alive connection is still open');
      assert.equal(client.received().length, answered, 'nothing was sent on the idle connection');

      const started = performance.now();
      void trickle(client.socket, ENDLESS_HEADERS);
      const closedAt = await client.cutOff(HEADERS_TIMEOUT, 'second request');
      assertCutOff(client.received().slice(answered), closedAt - started, HEADERS_TIMEOUT, 'second request');
    });

    test('a connection kept alive after an unknown Expect was refused (417) may idle past the headers time-out', async () => {
      const client = open(portOf());
      client.socket.write(CONNECTION_REQUEST.replace('Host: m\r\n', 'Host: m\r\nExpect: magic\r\n'));
      await client.waitFor('"RemoteMirrorError"');
      assert.match(client.received(), /^HTTP\/1\.1 417 /);
      const answered = client.received().length;
      await new Promise((resolve) => setTimeout(resolve, HEADERS_TIMEOUT + 1500));
      assert.ok(!client.socket.destroyed, 'the idle kept-alive connection is still open');
      assert.equal(client.received().length, answered, 'nothing was sent on the idle connection');
      client.socket.destroy();
    });

    test('a request that arrived whole is not cut off while its answer takes longer than the request time-out', async () => {
      slowAnswers = true;
      try {
        const client = open(portOf());
        client.socket.write(CONNECTION_REQUEST);
        await client.waitFor('"TestConnectionResponse"', SLOW_ANSWER_MILLIS + 3000);
        assert.match(client.received(), /^HTTP\/1\.1 200 /);
        client.socket.destroy();
      } finally {
        slowAnswers = false;
      }
    });
  });
}
