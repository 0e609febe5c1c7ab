// The key an upstream mirror answers with becomes the key StackState is given, on the relayed
// answer and on the app's own later errors. It is checked by the rule for a typed key: an empty,
// folded or 16,000-character key header is not used, and the exchange's finding says why. A real
// upstream stand-in on a raw socket (to send headers no HTTP library would write), real requests.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { after, test } from 'node:test';
import { createUpstreamSource } from '../../server/telemetry/upstream';
import { keyHeaderOf, send, startTestMirror, TEST_KEY } from '../mirror/helpers';

const ANSWER = '{"_type":"TestConnectionResponse","status":"OK"}';

/** An upstream that answers every request with `keyLine` (a raw header line, or several) and ANSWER. */
async function upstreamSending(keyLine: string): Promise<{ server: Server; url: string }> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () =>
      socket.end(
        `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n${keyLine}\r\nContent-Length: ${ANSWER.length}\r\nConnection: close\r\n\r\n${ANSWER}`,
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

const HOSTILE = {
  empty: 'X-MIRROR-API-KEY: ',
  folded: 'X-MIRROR-API-KEY: first-part\r\n second-part',
  'over-long': `X-MIRROR-API-KEY: ${'k'.repeat(16_000)}`,
} as const;

for (const [name, keyLine] of Object.entries(HOSTILE)) {
  test(`an upstream's ${name} key header is refused: not relayed, not used on the app's own errors, and the finding says why`, async () => {
    const upstream = await upstreamSending(keyLine);
    servers.push(upstream.server);
    const { mirror, exchanges } = await startTestMirror({
      source: createUpstreamSource({ url: upstream.url }),
    });
    try {
      const relayed = await send(mirror.port, { path: '/api/connection', body: {} });
      assert.equal(relayed.status, 200, relayed.text);
      assert.equal(relayed.text, ANSWER, 'the answer itself still passes through');
      assert.equal(keyHeaderOf(relayed.headers), undefined, `the ${name} key is not sent on to StackState`);
      const finding = exchanges
        .at(-1)
        ?.findings?.find((one) => one.id === 'key-header' && one.message.includes('is not used'));
      assert.ok(
        finding,
        `a finding says the ${name} key is not used: ${JSON.stringify(exchanges.at(-1)?.findings)}`,
      );
      assert.match(finding.message, /1 to 200 ASCII letters, digits or punctuation, no spaces/);
      assert.ok(finding.message.length < 400, 'the finding quotes the key cut short');

      // The app's own answer (an unknown path) carries the configured key, not the refused one.
      const own = await send(mirror.port, { path: '/api/nothing-here', body: {} });
      assert.equal(own.status, 404);
      assert.equal(keyHeaderOf(own.headers), TEST_KEY, 'the app keeps its own key');
    } finally {
      await mirror.close();
    }
  });
}

test('a sound upstream key is learned and used on the app’s own errors', async () => {
  const upstream = await upstreamSending('X-MIRROR-API-KEY: upstream-key-1');
  servers.push(upstream.server);
  const { mirror } = await startTestMirror({ source: createUpstreamSource({ url: upstream.url }) });
  try {
    const relayed = await send(mirror.port, { path: '/api/connection', body: {} });
    assert.equal(keyHeaderOf(relayed.headers), 'upstream-key-1');
    const own = await send(mirror.port, { path: '/api/nothing-here', body: {} });
    assert.equal(keyHeaderOf(own.headers), 'upstream-key-1');
  } finally {
    await mirror.close();
  }
});
