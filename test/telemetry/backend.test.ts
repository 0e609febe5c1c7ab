// Calling a backend over real sockets on 127.0.0.1: a closed port, a reset, a hang and StackState's
// hang-up each end the way the protocol and the user need, never in a hang.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { callBackend, MAX_BACKEND_CALLS } from '../../server/telemetry/backend';
import { TelemetryError } from '../../server/telemetry/source';

const context = (signal = new AbortController().signal) => ({
  connectionDetails: {},
  signal,
  note: () => {},
});

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  return address.port;
}

/** A port that was just free: nothing listens on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test('a closed port is a MetricStoreConnectionError naming the address and the cause', async () => {
  const port = await closedPort();
  const url = new URL(`http://127.0.0.1:${port}/-/ready`);
  await assert.rejects(callBackend(url, {}, context()), (error: unknown) => {
    assert.ok(error instanceof TelemetryError);
    assert.deepEqual(error.body, {
      _type: 'MetricStoreConnectionError',
      details: `Nothing answers at 127.0.0.1:${port} (connection refused) — is it running?`,
    });
    return true;
  });
});

test('a backend that resets the connection is a MetricStoreConnectionError', async () => {
  const server = createServer((socket) => socket.resetAndDestroy());
  const port = await listen(server);
  try {
    await assert.rejects(callBackend(new URL(`http://127.0.0.1:${port}/`), {}, context()), {
      name: 'MetricStoreConnectionError',
      message: `Cannot reach 127.0.0.1:${port}: the connection was reset.`,
    });
  } finally {
    server.close();
  }
});

test('a backend that never answers is stopped by the request signal, with the signal’s reason', async () => {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  const port = await listen(server);
  try {
    const controller = new AbortController();
    const deadline = new Error('deadline');
    setTimeout(() => controller.abort(deadline), 200);
    await assert.rejects(
      callBackend(new URL(`http://127.0.0.1:${port}/`), {}, context(controller.signal)),
      deadline,
    );
  } finally {
    for (const socket of sockets) socket.destroy();
    server.close();
  }
});

test('an answer of any status comes back whole', async () => {
  const server = createHttpServer((_request, response) => response.writeHead(503).end('not ready'));
  const port = await listen(server);
  try {
    const answer = await callBackend(new URL(`http://127.0.0.1:${port}/`), {}, context());
    assert.equal(answer.status, 503);
    assert.equal(answer.body.toString(), 'not ready');
  } finally {
    server.close();
  }
});

test(`at most ${MAX_BACKEND_CALLS} backend calls at once: the rest wait their turn, or give up at their own deadline`, async () => {
  const held: Array<ServerResponse> = [];
  const server = createHttpServer((_request, response) => held.push(response));
  const port = await listen(server);
  try {
    const url = new URL(`http://127.0.0.1:${port}/`);
    const calls = Array.from({ length: MAX_BACKEND_CALLS + 1 }, () => callBackend(url, {}, context()));
    const late = new AbortController();
    const deadline = new Error('deadline of the one that waits');
    const giving = callBackend(url, {}, context(late.signal));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(held.length, MAX_BACKEND_CALLS, `the backend got ${held.length} calls at once`);
    late.abort(deadline);
    await assert.rejects(giving, deadline);
    // Answering one lets the next waiting call through.
    held.shift()?.end('ok');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(held.length, MAX_BACKEND_CALLS, 'the waiting call went out when a slot came free');
    for (const response of held.splice(0)) response.end('ok');
    const answers = await Promise.all(calls);
    assert.deepEqual(
      answers.map((answer) => answer.body.toString()),
      Array(MAX_BACKEND_CALLS + 1).fill('ok'),
    );
  } finally {
    server.close();
  }
});

test('a port fetch() refuses to call (1) is probed: nothing there reads as nothing answering, not "fetch failed"', async () => {
  // Port 1 is on fetch()'s blocked list, and nothing listens on it here.
  await assert.rejects(callBackend(new URL('http://127.0.0.1:1/'), {}, context()), {
    name: 'MetricStoreConnectionError',
    message: 'Nothing answers at 127.0.0.1:1 (connection refused) — is it running?',
  });
});
