// The tunnels that need no ngrok: "none" (StackState in Docker on this machine) and the local TCP
// forwarder that stands in for ngrok in session and UI tests.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { connect, createServer as createTcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { LocalForwarderTunnel } from '../../server/tunnel/local-forwarder';
import { NgrokTunnel } from '../../server/tunnel/ngrok';
import { NETWORK_EXPOSURE_WARNING, NoTunnel } from '../../server/tunnel/none';
import { createDefaultTunnel } from '../../server/tunnel/plan';
import { listeningAddresses, NO_SOCKET_TABLE } from '../os-sockets';
import { recordStatuses, within } from './helpers';

describe('NoTunnel', () => {
  test('its URL is host.docker.internal on the mirror main port', async () => {
    const tunnel = new NoTunnel({ mirrorPort: 7007 });
    const statuses = recordStatuses(tunnel);
    assert.equal(tunnel.kind, 'none');
    const url = await tunnel.open({ target: { host: '127.0.0.1', port: 51234 } });
    assert.equal(url, 'http://host.docker.internal:7007/');
    assert.deepEqual(tunnel.status, { state: 'online', publicUrl: url });
    await tunnel.close();
    await tunnel.close();
    assert.deepEqual(statuses, [{ state: 'online', publicUrl: url }, { state: 'closed' }]);
  });

  test('the exposure warning says where the mirror listens and who can reach it', () => {
    assert.match(NETWORK_EXPOSURE_WARNING, /0\.0\.0\.0/);
    assert.match(NETWORK_EXPOSURE_WARNING, /other computers on this network/);
  });
});

describe('LocalForwarderTunnel', () => {
  let upstream: Server;
  let upstreamPort: number;
  const seenHeaders: IncomingHttpHeaders[] = [];
  const seenBodies: string[] = [];

  before(async () => {
    upstream = createHttpServer(async (request, response) => {
      seenHeaders.push(request.headers);
      let body = '';
      for await (const chunk of request) body += chunk;
      seenBodies.push(body);
      response.setHeader('x-upstream', 'yes');
      response.end(`hello ${request.method} ${request.url}`);
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const address = upstream.address();
    assert.ok(address && typeof address === 'object');
    upstreamPort = address.port;
  });

  after(async () => {
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  test('forwards real HTTP to a local server and leaves the headers alone', async () => {
    const tunnel = new LocalForwarderTunnel();
    const statuses = recordStatuses(tunnel);
    const url = await tunnel.open({ target: { host: '127.0.0.1', port: upstreamPort } });
    assert.equal(url, `http://127.0.0.1:${tunnel.port}/`);
    assert.notEqual(tunnel.port, upstreamPort);
    const response = await fetch(`${url}api/metric?x=1`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-upstream'), 'yes');
    assert.equal(await response.text(), 'hello POST /api/metric?x=1');
    const headers = seenHeaders.at(-1);
    assert.equal(headers?.host, `127.0.0.1:${tunnel.port}`, 'bytes as sent: the Host is the forwarder');
    assert.equal(headers?.['x-forwarded-for'], undefined);
    await tunnel.close();
    assert.deepEqual(
      statuses.map((status) => status.state),
      ['connecting', 'online', 'closed'],
    );
  });

  test('with forwardedFor, adds X-Forwarded-For to every request on a keep-alive connection, as ngrok does', async () => {
    const tunnel = new LocalForwarderTunnel({ forwardedFor: { address: '203.0.113.7' } });
    await tunnel.open({ target: { host: '127.0.0.1', port: upstreamPort } });
    const host = `127.0.0.1:${tunnel.port}`;
    const chunkedBody = '{"a":1,"b":"x\r\n\r\nGET /not-a-request HTTP/1.1\r\n\r\n"}';
    const requests = [
      `GET /one HTTP/1.1\r\nHost: ${host}\r\n\r\n`,
      // A body that looks like a request head must not get the header.
      `POST /two HTTP/1.1\r\nHost: ${host}\r\nContent-Length: ${Buffer.byteLength(chunkedBody)}\r\n\r\n${chunkedBody}`,
      `POST /three HTTP/1.1\r\nHost: ${host}\r\nTransfer-Encoding: chunked\r\n\r\n` +
        `5\r\nhello\r\n${Buffer.byteLength(chunkedBody).toString(16)};ext=1\r\n${chunkedBody}\r\n0\r\nX-Trailer: t\r\n\r\n`,
      // What the client claims comes first; the edge's entry is the last.
      `GET /four HTTP/1.1\r\nHost: ${host}\r\nX-Forwarded-For: 10.9.9.9\r\nConnection: close\r\n\r\n`,
    ].join('');
    const before = seenHeaders.length;
    const socket = connect(tunnel.port ?? 0, '127.0.0.1');
    await once(socket, 'connect');
    // Byte by byte for the first stretch, so heads and bodies arrive split at every point.
    const bytes = Buffer.from(requests);
    for (let i = 0; i < 200; i++) {
      socket.write(bytes.subarray(i, i + 1));
      if (i % 40 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    socket.write(bytes.subarray(200));
    socket.resume();
    await Promise.race([
      once(socket, 'close'),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('the four requests were not answered within 5 s')), 5000),
      ),
    ]);
    const seen = seenHeaders.slice(before);
    assert.deepEqual(
      seen.map((headers) => headers['x-forwarded-for']),
      ['203.0.113.7', '203.0.113.7', '203.0.113.7', '10.9.9.9, 203.0.113.7'],
      'broken promise: the stand-in edge adds X-Forwarded-For to each request, after what the client sent',
    );
    assert.deepEqual(
      seenBodies.slice(before),
      ['', chunkedBody, `hello${chunkedBody}`, ''],
      'bodies pass unchanged',
    );
    await tunnel.close();
  });

  test('close() frees its port', async (t) => {
    const tunnel = new LocalForwarderTunnel();
    await tunnel.open({ target: { host: '127.0.0.1', port: upstreamPort } });
    const port = tunnel.port;
    assert.ok(port !== null);
    // A live keep-alive connection must not hold the port.
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    const cut = once(socket, 'close');
    try {
      await within(
        tunnel.close(),
        3000,
        `broken promise: close() cuts live connections and frees port ${port}, but it had not returned 3 s later (a live connection keeps the listener open)`,
      );
      await within(
        cut,
        3000,
        'broken promise: close() cuts live connections, but the client is still connected 3 s later',
      );
    } finally {
      socket.destroy();
    }
    assert.equal(tunnel.port, null);
    const addresses = await listeningAddresses(port);
    if (addresses === null) t.diagnostic(`not checked in the OS socket table: ${NO_SOCKET_TABLE}`);
    else assert.deepEqual(addresses, [], `nothing listens on ${port} any more (OS socket table)`);
    const probe = createTcpServer();
    probe.listen({ port, host: '127.0.0.1', exclusive: true });
    await within(once(probe, 'listening'), 3000, `port ${port} could not be listened on again`);
    await new Promise((resolve) => probe.close(resolve));
  });

  test('simulateDrop() cuts live connections and reports reconnecting, then online', async () => {
    const tunnel = new LocalForwarderTunnel({ dropMillis: 30 });
    const url = await tunnel.open({ target: { host: '127.0.0.1', port: upstreamPort } });
    const statuses = recordStatuses(tunnel);
    const socket = connect(tunnel.port ?? 0, '127.0.0.1');
    await once(socket, 'connect');
    const cut = once(socket, 'close');
    await tunnel.simulateDrop();
    await cut;
    assert.deepEqual(statuses, [
      { state: 'reconnecting', attempt: 1, retryInMillis: 30, message: 'simulated drop' },
      { state: 'online', publicUrl: url },
    ]);
    const response = await fetch(`${url}after`);
    assert.equal(await response.text(), 'hello GET /after');
    await tunnel.close();
  });
});

describe('createDefaultTunnel', () => {
  test('builds the tunnel each setting names, for the mirror port it is given', async () => {
    const plan = { authtoken: null, domain: null, allowCidrs: [], mirrorPort: 7007 };
    assert.ok(createDefaultTunnel({ ...plan, kind: 'ngrok' }) instanceof NgrokTunnel);
    const none = createDefaultTunnel({ ...plan, kind: 'none' });
    assert.ok(none instanceof NoTunnel);
    assert.equal(
      await none.open({ target: { host: '127.0.0.1', port: 1 } }),
      'http://host.docker.internal:7007/',
    );
  });
});
