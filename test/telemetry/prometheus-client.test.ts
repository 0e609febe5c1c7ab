// The prometheus source without a real Prometheus: selectors that no input can break out of, a
// server answering garbage, one that hangs, one that refuses the credentials, credentials never
// in a message, and the command line and settings that choose the kind.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { parseCliArgs } from '../../server/cli/args';
import { createPrometheusSource } from '../../server/telemetry/prometheus';
import {
  promqlString,
  quoteRegex,
  selectionOf,
  selectorText,
} from '../../server/telemetry/prometheus-selector';
import { checkDataSource, publicDataSource } from '../../server/telemetry/registry';
import { TelemetryError } from '../../server/telemetry/source';
import { metricsQuery, sourceContext, stringIs } from './helpers';

/** A source context whose notes go nowhere. */
const context = () => sourceContext(() => {});
const SECRET = 's3cr3t-token-value';

async function fakePrometheus(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  };
  return { url, close };
}

test('condition values become escaped PromQL strings and literal regexes', () => {
  assert.equal(promqlString('a"b\\c\nd'), '"a\\"b\\\\c\\nd"');
  assert.equal(quoteRegex('a.b|c*(d)[e]{f}^$\\'), 'a\\.b\\|c\\*\\(d\\)\\[e\\]\\{f\\}\\^\\$\\\\');
  const selection = selectionOf([
    stringIs('__name__', 'up'),
    { _type: 'EqualityCondition', key: 'job', value: { _type: 'InSetValue', value: ['a.b', '"x"'] } },
    { _type: 'EqualityCondition', key: 'cores', value: { _type: 'DoubleValue', value: 4 } },
    { _type: 'EqualityCondition', key: 'value', value: { _type: 'DoubleValue', value: 1 } },
  ]);
  assert.ok(selection);
  assert.equal(selectorText(selection.matchers), '{__name__="up",job=~"(?:a\\\\.b|\\"x\\")",cores="4"}');
  assert.equal(selectionOf([stringIs('not a label', 'x')]), null);
  assert.equal(
    selectionOf([{ _type: 'EqualityCondition', key: 'job', value: { _type: 'InSetValue', value: [] } }]),
    null,
  );
});

test('a server answering garbage is a RemoteMirrorError, not a crash', async () => {
  const server = await fakePrometheus((_request, response) => response.end('<html>hello</html>'));
  try {
    const source = createPrometheusSource({ url: server.url });
    await assert.rejects(
      source.metrics(metricsQuery({ startTime: 0, endTime: 1000, metricField: 'up' }), context()),
      (error: unknown) =>
        error instanceof TelemetryError &&
        error.body._type === 'RemoteMirrorError' &&
        /not its HTTP API/.test(error.body.summary),
    );
    const wrongShape = await fakePrometheus((_request, response) =>
      response.end(
        JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: 1 }] } }),
      ),
    );
    try {
      const other = createPrometheusSource({ url: wrongShape.url });
      await assert.rejects(
        other.metrics(metricsQuery({ startTime: 0, endTime: 1000, metricField: 'up' }), context()),
        { name: 'RemoteMirrorError' },
      );
    } finally {
      await wrongShape.close();
    }
  } finally {
    await server.close();
  }
});

test('a server that does not answer in time is a MetricStoreConnectionError', async () => {
  const server = await fakePrometheus(() => {});
  try {
    const source = createPrometheusSource({ url: server.url, timeoutMillis: 300 });
    await assert.rejects(
      source.fieldNames({ conditions: [], startTime: 0, endTime: 1000, limit: 10 }, context()),
      (error: unknown) =>
        error instanceof TelemetryError &&
        error.body._type === 'MetricStoreConnectionError' &&
        error.body.details === `Prometheus at ${server.url} did not answer within 0.3 s.`,
    );
    const answer = await source.testConnection(context());
    assert.equal(answer.status, 'FAILURE');
  } finally {
    await server.close();
  }
});

test('credentials go to the configured server only, and never into a message', async () => {
  const seen: (string | undefined)[] = [];
  const server = await fakePrometheus((request, response) => {
    seen.push(request.headers.authorization);
    response.writeHead(401).end('unauthorized');
  });
  try {
    const source = createPrometheusSource({ url: server.url, bearerToken: SECRET });
    const answer = await source.testConnection(context());
    assert.equal(answer.status, 'FAILURE');
    assert.match(answer.error?.details ?? '', /refused the mirror's credentials \(HTTP 401\)/);
    assert.ok(!JSON.stringify(answer).includes(SECRET));
    await assert.rejects(
      source.fieldNames({ conditions: [], startTime: 0, endTime: 1000, limit: 10 }, context()),
      (error: unknown) =>
        error instanceof TelemetryError &&
        error.body._type === 'MetricStoreConnectionError' &&
        !JSON.stringify(error.body).includes(SECRET),
    );
    assert.deepEqual([...seen], [`Bearer ${SECRET}`, `Bearer ${SECRET}`]);
    // Another server named in the connection details gets no credentials.
    const other = await fakePrometheus((request, response) => {
      seen.push(request.headers.authorization);
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '1'] } }));
    });
    try {
      const calls = seen.length;
      // Not allowed: a stranger's connection details must not make the mirror call another server.
      await assert.rejects(
        source.testConnection({ ...context(), connectionDetails: { prometheusUrl: other.url } }),
        {
          name: 'RemoteMirrorError',
          message: /which this mirror may not call/,
        },
      );
      assert.equal(seen.length, calls, 'the server named in the connection details was called');
      const allowing = createPrometheusSource({
        url: server.url,
        bearerToken: SECRET,
        allowedUrls: other.url,
      });
      const ok = await allowing.testConnection({
        ...context(),
        connectionDetails: { prometheusUrl: other.url },
      });
      assert.equal(ok.status, 'OK');
      assert.equal(seen.at(-1), undefined);
    } finally {
      await other.close();
    }
    const basic = createPrometheusSource({ url: server.url, username: 'me', password: SECRET });
    await basic.testConnection(context());
    assert.equal(seen.at(-1), `Basic ${Buffer.from(`me:${SECRET}`).toString('base64')}`);
  } finally {
    await server.close();
  }
});

test('--profile prometheus with its flags; settings checked without quoting values; secrets hidden', () => {
  const parsed = parseCliArgs([
    '--profile',
    'prometheus',
    '--prometheus-url',
    'http://127.0.0.1:9090',
    '--prometheus-bearer-token',
    SECRET,
  ]);
  assert.ok(!('error' in parsed), JSON.stringify(parsed));
  assert.deepEqual(parsed.overrides.dataSource, {
    kind: 'prometheus',
    url: 'http://127.0.0.1:9090',
    bearerToken: SECRET,
  });
  const missing = parseCliArgs(['--profile', 'prometheus']);
  assert.ok('error' in missing && /--prometheus-url/.test(missing.error));
  const problem = checkDataSource({ kind: 'prometheus', url: `ftp://${SECRET}` });
  assert.ok(problem && !problem.includes(SECRET), problem ?? '');
  assert.match(checkDataSource({ kind: 'prometheus', url: `http://u:${SECRET}@h/` }) ?? '', /must not carry/);
  assert.deepEqual(
    publicDataSource({ kind: 'prometheus', url: 'http://h:9090', password: SECRET, username: 'me' }),
    {
      kind: 'prometheus',
      url: 'http://h:9090',
      password: '(set)',
      username: 'me',
    },
  );
});
