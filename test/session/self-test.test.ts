// The self-test against real local servers: the right mirror, another mirror, and nothing at all.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, test } from 'node:test';
import { runSelfTest } from '../../server/session/self-test';

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.close();
});

/** A mirror-like server that answers Test Connection OK with the given key header (or none). */
async function fakeMirror(key: string | null): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, {
      'content-type': 'application/json',
      ...(key ? { 'X-MIRROR-API-KEY': key } : {}),
    });
    response.end('{"_type":"TestConnectionResponse","status":"OK"}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
}

test('the right key passes', async () => {
  const url = await fakeMirror('k1');
  const result = await selfTestAt(url, 5000);
  assert.equal(result.ok, true, result.message);
  assert.match(result.message, /answered Test Connection in \d+ ms with the right API key/);
});

test('another mirror behind the URL (another key, or none) fails and says so', async () => {
  for (const key of ['someone-else', null]) {
    const url = await fakeMirror(key);
    const result = await selfTestAt(url, 5000);
    assert.equal(result.ok, false);
    assert.equal(result.keyHeaderMatches, false);
    assert.match(result.message, /without this mirror's API key/);
  }
});

test('nothing listening: a sentence naming the URL', async () => {
  const url = await fakeMirror('k1');
  servers.at(-1)!.close();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const result = await selfTestAt(url, 2000);
  assert.equal(result.ok, false);
  assert.equal(result.status, null);
  assert.equal(
    result.message,
    `Nothing answers at ${new URL(url).host} (connection refused) — is it running?`,
  );
});

test('host.docker.internal: the local URL is called instead, and the result says so and is no pass', async () => {
  const local = await fakeMirror('k1');
  const port = new URL(local).port;
  const result = await runSelfTest({
    mirrorUrl: `http://host.docker.internal:${port}/`,
    localUrl: local,
    apiKey: 'k1',
    timeoutMillis: 5000,
    marker: 'self-test-1',
  });
  assert.equal(result.url, local);
  assert.equal(result.mirrorUrl, `http://host.docker.internal:${port}/`);
  assert.equal(result.reach, 'this-machine');
  assert.equal(result.ok, false, 'the Mirror URL itself was not called');
  assert.equal(result.keyHeaderMatches, true);
  assert.match(result.message, new RegExp(`called ${local} \\(the same port\\) instead`));
  assert.match(result.message, /proves the mirror works, not that StackState can reach it/);
});

test('a tunnel that is down: the local URL answers, but that is said to be no test of the public URL', async () => {
  const local = await fakeMirror('k1');
  const result = await runSelfTest({
    mirrorUrl: local,
    localUrl: local,
    tunnelDown: true,
    apiKey: 'k1',
    timeoutMillis: 5000,
    marker: 'self-test-1',
  });
  assert.equal(result.ok, false);
  assert.equal(result.reach, 'this-machine');
  assert.match(result.message, /the ngrok tunnel is not online, so there is no public URL/);
});

test('the Mirror URL itself is what gets called when it can be: a pass is a pass', async () => {
  const url = await fakeMirror('k1');
  const result = await runSelfTest({
    mirrorUrl: url,
    localUrl: 'http://127.0.0.1:9/',
    apiKey: 'k1',
    timeoutMillis: 5000,
    marker: 'm',
  });
  assert.equal(result.url, url);
  assert.equal(result.reach, 'as-stackstate');
  assert.equal(result.ok, true);
});

/** The self-test of the mirror at `url` (as its own local URL too), with the key k1. */
function selfTestAt(url: string, timeoutMillis: number) {
  return runSelfTest({ mirrorUrl: url, localUrl: url, apiKey: 'k1', timeoutMillis, marker: 'self-test-1' });
}
