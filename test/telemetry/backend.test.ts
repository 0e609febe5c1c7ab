// Calling a backend over real sockets on 127.0.0.1: a closed port, a reset, a hang and StackState's
// hang-up each end the way the protocol and the user need, never in a hang.
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type ServerResponse } from 'node:http';
import { createServer, type Server, type Socket } from 'node:net';
import { test } from 'node:test';
import { callBackend } from '../../server/telemetry/backend';
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

/** A backend that holds every request until told, and counts how many are under way at once. */
async function holdingBackend(): Promise<{
  url: URL;
  held: ServerResponse[];
  mostAtOnce: () => number;
  close: () => Promise<void>;
}> {
  const held: ServerResponse[] = [];
  let underWay = 0;
  let most = 0;
  const server = createHttpServer((_request, response) => {
    most = Math.max(most, ++underWay);
    response.on('close', () => underWay--);
    held.push(response);
  });
  const port = await listen(server);
  return {
    url: new URL(`http://127.0.0.1:${port}/`),
    held,
    mostAtOnce: () => most,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const settle = (millis = 300) => new Promise((resolve) => setTimeout(resolve, millis));

// The bound is pinned as a number, seen from the backend's side: raising it to 5 or 64 (each
// call may hold 32 MiB) must fail here, not only pass a test written in terms of the constant.
test('at most 4 backend calls at once, counted at the backend: the rest wait their turn, or give up at their own deadline', async () => {
  const backend = await holdingBackend();
  try {
    const calls = Array.from({ length: 10 }, () => callBackend(backend.url, {}, context()));
    const late = new AbortController();
    const deadline = new Error('deadline of the one that waits');
    const giving = callBackend(backend.url, {}, context(late.signal));
    await settle();
    assert.equal(backend.mostAtOnce(), 4, `the backend got ${backend.mostAtOnce()} calls at once`);
    late.abort(deadline);
    await assert.rejects(giving, deadline);
    // Answering one lets the next waiting call through.
    backend.held.shift()?.end('ok');
    await settle();
    assert.equal(backend.held.length, 4, 'the waiting call went out when a slot came free');
    while (backend.held.length > 0) {
      for (const response of backend.held.splice(0)) response.end('ok');
      await settle(100);
    }
    const answers = await Promise.all(calls);
    assert.deepEqual(
      answers.map((answer) => answer.body.toString()),
      Array(10).fill('ok'),
    );
    assert.equal(backend.mostAtOnce(), 4, `the backend got ${backend.mostAtOnce()} calls at once`);
  } finally {
    await backend.close();
  }
});

test('the time-out counts from when the call is sent, not while it waits for a slot', async () => {
  const backend = await holdingBackend();
  try {
    const timeout = { millis: 1000, error: () => new Error('timed out') };
    const calls = Array.from({ length: 8 }, () => callBackend(backend.url, {}, context(), { timeout }));
    // Each answer takes 600 ms: the second four wait 600 ms for a slot, then take 600 ms (1,200 in
    // all, past 1,000), and must still be answered.
    const answerer = setInterval(() => {
      for (const response of backend.held.splice(0)) setTimeout(() => response.end('ok'), 600);
    }, 20);
    try {
      const answers = await Promise.all(calls);
      assert.equal(answers.length, 8);
    } finally {
      clearInterval(answerer);
    }
    // A call whose answer takes longer than its time-out still ends with the time-out's error.
    const slow = callBackend(backend.url, {}, context(), {
      timeout: { millis: 300, error: () => new Error('late') },
    });
    await assert.rejects(slow, /late/);
  } finally {
    await backend.close();
  }
});

test('Test Connection has its own lane: it is answered while every query slot is taken', async () => {
  const queries = await holdingBackend();
  const ready = createHttpServer((_request, response) => response.end('ready'));
  const readyUrl = new URL(`http://127.0.0.1:${await listen(ready)}/-/ready`);
  try {
    const waiting = Array.from({ length: 6 }, () => callBackend(queries.url, {}, context()));
    await settle();
    assert.equal(queries.held.length, 4);
    const started = performance.now();
    const answer = await callBackend(readyUrl, {}, context(), { lane: 'connection' });
    assert.equal(answer.body.toString(), 'ready');
    assert.ok(performance.now() - started < 1000, 'Test Connection waited behind the queries');
    while (queries.held.length > 0) {
      for (const response of queries.held.splice(0)) response.end('ok');
      await settle(100);
    }
    await Promise.all(waiting);
  } finally {
    ready.close();
    await queries.close();
  }
});

test('a port fetch() refuses to call (1) is probed: nothing there reads as nothing answering, not "fetch failed"', async () => {
  // Port 1 is on fetch()'s blocked list, and nothing listens on it here.
  await assert.rejects(callBackend(new URL('http://127.0.0.1:1/'), {}, context()), {
    name: 'MetricStoreConnectionError',
    message: 'Nothing answers at 127.0.0.1:1 (connection refused) — is it running?',
  });
});
