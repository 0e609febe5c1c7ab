// A stranger with the public URL reads the mirror's error answers. They must name no internal
// address (the backend's loopback or private address, the start of its readiness body); the whole
// cause goes to the request log, which only the window reads. Real sockets: the mirror, a
// Prometheus stand-in (a node:http server: the errors need answers a real Prometheus would not
// give on demand, such as a readiness body naming an address), ports where nothing listens.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { MirrorExchange } from '../../server/protocol/exchange';
import { createTelemetrySource } from '../../server/telemetry';
import { TelemetryError, type TelemetrySource } from '../../server/telemetry/source';
import { createUpstreamSource } from '../../server/telemetry/upstream';
import { type HttpResult, send, startTestMirror } from './helpers';
import { createStandInSource } from './stand-in-source';

/** Loopback and private addresses, and this machine's names, as the issue lists them. */
const INTERNAL_ADDRESS =
  /\b127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\b10\.\d{1,3}\.\d{1,3}\.\d{1,3}|\b172\.(1[6-9]|2\d|3[01])\.\d{1,3}\.\d{1,3}|\b192\.168\.\d{1,3}\.\d{1,3}|::1|localhost/i;

const WINDOW = { startTime: 1_600_000_000_000, endTime: 1_600_003_600_000 };
const REQUESTS = [
  ['/api/connection', {}],
  ['/api/field/name', { query: WINDOW }],
  ['/api/field/value', { query: { ...WINDOW, field: { fieldName: 'job' } } }],
  ['/api/metric', { query: { ...WINDOW, metricField: 'up' } }],
] as const;

/** A port where nothing listens: one bound and closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A Prometheus stand-in that answers every request with `status` and `body`. */
const standIns: Server[] = [];
async function prometheusAnswering(
  status: number,
  body: string,
  contentType = 'text/plain',
): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  });
  standIns.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}
after(() => {
  for (const server of standIns) server.close();
});

let cases: [name: string, source: () => Promise<TelemetrySource>][] = [];
before(() => {
  cases = [
    ['Prometheus where nothing listens', async () => prometheus(`http://127.0.0.1:${await closedPort()}`)],
    [
      'Prometheus not ready, its readiness body naming addresses',
      async () =>
        prometheus(
          await prometheusAnswering(
            503,
            'Service Unavailable: TSDB at 10.2.3.4:9090 (192.168.7.8) not ready',
          ),
        ),
    ],
    ['Prometheus answering something else', async () => prometheus(await prometheusAnswering(200, '<html>'))],
    [
      'Prometheus unavailable (its error names a peer)',
      async () =>
        prometheus(
          await prometheusAnswering(
            503,
            JSON.stringify({
              status: 'error',
              errorType: 'unavailable',
              error: 'remote 172.20.0.5:9090 down',
            }),
            'application/json',
          ),
        ),
    ],
    [
      'an upstream mirror where nothing listens',
      async () => createUpstreamSource({ url: `http://127.0.0.1:${await closedPort()}/` }),
    ],
    [
      'a source failing with an address in its message',
      async () => {
        const standIn = createStandInSource();
        const fail = async (): Promise<never> => {
          throw new Error('connect ECONNREFUSED [::1]:5432 and localhost:8080');
        };
        return { ...standIn, fieldNames: fail, fieldValues: fail, metrics: fail };
      },
    ],
    [
      'a source with a store error naming its address',
      async () => {
        const standIn = createStandInSource();
        const fail = async (): Promise<never> => {
          throw new TelemetryError({
            _type: 'RemoteMirrorError',
            summary: 'Store at http://10.0.0.9:7777/x refused.',
            details: ['see 127.0.0.2'],
          });
        };
        return { ...standIn, fieldNames: fail, fieldValues: fail, metrics: fail };
      },
    ],
  ];
});

const prometheus = (url: string) => createTelemetrySource({ kind: 'prometheus', url });

test('no public error answer names a loopback or private address; the log entry keeps the whole cause', async () => {
  let errorAnswers = 0;
  let causesWithAddress = 0;
  for (const [name, make] of cases) {
    const { mirror, exchanges } = await startTestMirror({ source: await make(), deadlineMillis: 5000 });
    try {
      for (const [path, body] of REQUESTS) {
        const reply: HttpResult = await send(mirror.port, { path, body });
        if (reply.status < 400) continue;
        errorAnswers++;
        assert.doesNotMatch(
          reply.text,
          INTERNAL_ADDRESS,
          `${name}, ${path}: the public answer names an address:\n${reply.text}`,
        );
        const exchange: MirrorExchange | undefined = exchanges.at(-1);
        assert.ok(exchange?.error, `${name}, ${path}: the log entry has the error`);
        if (INTERNAL_ADDRESS.test(exchange.error)) causesWithAddress++;
      }
    } finally {
      await mirror.close();
    }
  }
  assert.ok(errorAnswers >= 20, `the cases made ${errorAnswers} error answers`);
  assert.ok(causesWithAddress >= 10, `the log kept the address in ${causesWithAddress} causes`);
});

test('a store that cannot be reached is named in words the public can act on', async () => {
  const { mirror } = await startTestMirror({ source: prometheus(`http://127.0.0.1:${await closedPort()}`) });
  try {
    const reply = await send(mirror.port, { path: '/api/field/name', body: { query: WINDOW } });
    assert.deepEqual(reply.json(), {
      _type: 'MetricStoreConnectionError',
      details:
        "The mirror's Prometheus did not answer. The cause is in the request log of the app that runs the mirror.",
    });
  } finally {
    await mirror.close();
  }
  const upstream = await startTestMirror({
    source: createUpstreamSource({ url: `http://127.0.0.1:${await closedPort()}/` }),
  });
  try {
    const reply = await send(upstream.mirror.port, { path: '/api/metric', body: { query: WINDOW } });
    assert.match(
      String((reply.json() as { details?: unknown }).details),
      /^The upstream mirror did not answer\./,
    );
  } finally {
    await upstream.mirror.close();
  }
});

test('an address cut in two by the 1,000-character bound is not sent in part', async () => {
  // The source's error (its words go out, addresses hidden) names a backend address where the cut
  // falls, at every offset around it.
  for (let offset = 960; offset <= 1000; offset++) {
    const details = `${'x'.repeat(offset)} at 192.168.10.20:9090 and more ${'y'.repeat(200)}`;
    const source = {
      ...createStandInSource(),
      fieldNames: () =>
        Promise.reject(
          new TelemetryError({ _type: 'RemoteMirrorError', summary: 'The query failed.', details }, 500),
        ),
    };
    const { mirror } = await startTestMirror({ source });
    try {
      const reply = await send(mirror.port, {
        path: '/api/field/name',
        body: { query: { startTime: 0, endTime: 1000 } },
      });
      assert.doesNotMatch(reply.text, /192\.|168\.10/, `offset ${offset}: ${reply.text.slice(-80)}`);
    } finally {
      await mirror.close();
    }
  }
});

test('a stranger’s long URL comes back cut to 1,000 characters in the 404, not echoed whole', async () => {
  // The address patterns take time that grows with the square of their input: 14,000 characters of
  // "a." held the event loop for about 100 ms an answer. Bounding the text bounds that time.
  const { mirror } = await startTestMirror();
  try {
    for (const path of [`/${'a.'.repeat(7000)}`, `/[${':'.repeat(14_000)}`]) {
      const reply = await send(mirror.port, { method: 'GET', path });
      assert.equal(reply.status, 404);
      const { summary } = reply.json() as { summary: string };
      assert.ok(summary.length <= 1000, `the summary holds ${summary.length} characters`);
      assert.match(summary, /^Unknown path: GET \//);
      assert.match(summary, /… \(\+\d+ chars\)$/, 'and says that it was cut');
    }
  } finally {
    await mirror.close();
  }
});
