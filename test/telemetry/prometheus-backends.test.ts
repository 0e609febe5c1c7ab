// Prometheus-compatible backends, each a stand-in on 127.0.0.1 that copies what the real one
// documents (a fake, since Mimir, Thanos and VictoriaMetrics cannot run here): Mimir's tenant
// header and its 401 "no org id", readiness at /-/ready, /ready or /health, a backend that is not
// ready, a URL that is not the query API, and the per-call time-out option.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { parseCliArgs } from '../../server/cli/args';
import { createPrometheusFromSetting } from '../../server/telemetry/prometheus';
import { checkDataSource, publicDataSource } from '../../server/telemetry/registry';
import { TelemetryError } from '../../server/telemetry/source';
import { sourceContext } from './helpers';

/** A source context whose notes go nowhere. */
const context = () => sourceContext(() => {});
const SECRET = 'tenant-token-s3cr3t';
const QUERY_OK = JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '1'] } });

type Routes = Record<string, (request: IncomingMessage, response: ServerResponse) => void>;

/** A stand-in answering `routes` by path (without the query); 404 "404 page not found" elsewhere. */
async function standIn(t: { after: (fn: () => unknown) => void }, routes: Routes) {
  const seen: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    seen.push(request);
    const route = routes[new URL(request.url ?? '/', 'http://x').pathname];
    if (route) route(request, response);
    else response.writeHead(404).end('404 page not found\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** Mimir's query path: 401 "no org id" without X-Scope-OrgID (as Mimir's tenant middleware answers). */
const mimirQuery = (request: IncomingMessage, response: ServerResponse) => {
  if (!request.headers['x-scope-orgid']) response.writeHead(401).end('no org id\n');
  else response.writeHead(200, { 'content-type': 'application/json' }).end(QUERY_OK);
};

const failureOf = async (options: Record<string, string>) => {
  const answer = await createPrometheusFromSetting(options).testConnection(context());
  assert.equal(answer.status, 'FAILURE', JSON.stringify(answer));
  return answer.error?.details ?? '';
};

test('Mimir without a tenant: "the backend asked for a tenant"; with X-Scope-OrgID, OK', async (t) => {
  const mimir = await standIn(t, {
    '/prometheus/api/v1/query': mimirQuery,
    '/prometheus/api/v1/labels': mimirQuery,
    '/ready': (_q, response) => response.end('ready'),
  });
  const url = `${mimir.origin}/prometheus`;
  assert.match(await failureOf({ url }), /the backend asked for a tenant \(X-Scope-OrgID\) \(HTTP 401\)/);
  await assert.rejects(
    createPrometheusFromSetting({ url }).fieldNames(
      { conditions: [], startTime: 0, endTime: 1000, limit: 10 },
      context(),
    ),
    (error: unknown) =>
      error instanceof TelemetryError &&
      error.body._type === 'MetricStoreConnectionError' &&
      /asked for a tenant \(X-Scope-OrgID\)/.test(error.message),
  );
  const withTenant = createPrometheusFromSetting({ url, headers: 'X-Scope-OrgID: team-a' });
  assert.equal((await withTenant.testConnection(context())).status, 'OK');
  assert.equal(mimir.seen.at(-1)?.headers['x-scope-orgid'], 'team-a');
});

test('a secret header is sent, and never shown, logged or quoted', async (t) => {
  const mimir = await standIn(t, {
    '/prometheus/api/v1/query': mimirQuery,
    '/prometheus/api/v1/labels': (_q, response) =>
      response
        .writeHead(503)
        .end(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'ring' })),
  });
  const setting = { url: `${mimir.origin}/prometheus`, secretHeaders: `X-Scope-OrgID: ${SECRET}` };
  const source = createPrometheusFromSetting(setting);
  assert.equal((await source.testConnection(context())).status, 'OK');
  assert.equal(mimir.seen.at(-1)?.headers['x-scope-orgid'], SECRET);
  await assert.rejects(
    source.fieldNames({ conditions: [], startTime: 0, endTime: 1000, limit: 10 }, context()),
    (error: unknown) => error instanceof TelemetryError && !JSON.stringify(error.body).includes(SECRET),
  );
  assert.equal(checkDataSource({ kind: 'prometheus', ...setting }), null);
  assert.deepEqual(publicDataSource({ kind: 'prometheus', ...setting }), {
    kind: 'prometheus',
    url: setting.url,
    secretHeaders: '(set)',
  });
  // A bad secret header is refused without quoting it.
  const problem = checkDataSource({ kind: 'prometheus', url: setting.url, secretHeaders: `${SECRET}` });
  assert.match(problem ?? '', /header 1 must be written Name: value/);
  assert.ok(!problem?.includes(SECRET));
});

test('headers that would break the request or show a credential are refused', () => {
  const check = (headers: string) => checkDataSource({ kind: 'prometheus', url: 'http://h:9090', headers });
  assert.match(check('Host: evil') ?? '', /Host\) is set by HTTP itself/);
  assert.match(check('Authorization: Bearer x') ?? '', /holds a credential: put it under the secret headers/);
  assert.match(check('X-Scope-OrgID: a\u0000b') ?? '', /characters a header cannot carry/);
  assert.match(check('Bad Name: x') ?? '', /not an HTTP header name/);
  assert.equal(check('X-Scope-OrgID: team-a\nX-Other: b;;X-Third: c'), null);
  assert.equal(
    checkDataSource({ kind: 'prometheus', url: 'http://h:9090', secretHeaders: 'Authorization: Token t' }),
    null,
  );
});

test('readiness on Prometheus, Mimir and VictoriaMetrics paths explains a failed query in their own words', async (t) => {
  // Prometheus starting up: every path answers 503 "Service Unavailable".
  const starting = await standIn(t, {
    '/api/v1/query': (_q, response) => response.writeHead(503).end('Service Unavailable'),
    '/-/ready': (_q, response) => response.writeHead(503).end('Service Unavailable'),
  });
  assert.match(
    await failureOf({ url: starting.origin }),
    /readiness page \(\/-\/ready\) says it is not ready \(HTTP 503: Service Unavailable\)/,
  );
  // Mimir whose ring is not ready: its readiness page is /ready, at the root.
  const mimir = await standIn(t, {
    '/prometheus/api/v1/query': (_q, response) =>
      response.writeHead(503).end(
        JSON.stringify({
          status: 'error',
          errorType: 'unavailable',
          error: 'too many unhealthy instances',
        }),
      ),
    '/ready': (_q, response) => response.writeHead(503).end('Some services are not Running:\nStarting: 1\n'),
  });
  const mimirSays = await failureOf({ url: `${mimir.origin}/prometheus`, headers: 'X-Scope-OrgID: a' });
  assert.match(mimirSays, /could not answer \(unavailable\): too many unhealthy instances/);
  assert.match(
    mimirSays,
    /readiness page \(\/ready\) says it is not ready \(HTTP 503: Some services are not Running:\)/,
  );
  // VictoriaMetrics named by a URL that is not its query API: /health says it is fine.
  const victoria = await standIn(t, {
    '/health': (_q, response) => response.end('OK'),
  });
  const victoriaSays = await failureOf({ url: `${victoria.origin}/select` });
  assert.match(victoriaSays, /not its HTTP API/);
  assert.match(
    victoriaSays,
    /readiness page \(\/health\) says it is ready, so .*\/select may not be the address/,
  );
  // Thanos (and a ready Prometheus): the query answers, readiness is not asked.
  const thanos = await standIn(t, {
    '/api/v1/query': (_q, response) => response.end(QUERY_OK),
    '/-/ready': (_q, response) => response.end('OK'),
  });
  const answer = await createPrometheusFromSetting({ url: thanos.origin }).testConnection(context());
  assert.equal(answer.status, 'OK');
  assert.deepEqual(
    thanos.seen.map((request) => request.url),
    ['/api/v1/query?query=1'],
  );
});

test('a URL that serves a large web page fails Test Connection saying the URL is not the API, not only its size', async (t) => {
  const page = `<html>${'<p>a dashboard</p>'.repeat(6000)}</html>`; // about 100 KB, past the 64 KiB cap
  const webApp = await standIn(t, {
    '/api/v1/query': (_q, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(page),
    '/-/ready': (_q, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(page),
  });
  assert.match(
    await failureOf({ url: webApp.origin }),
    /answered Test Connection with more than 64 KiB, where its API answers in a few hundred bytes: the URL serves something else \(a web page\?\)\. Check that it is the address of the Prometheus server/,
  );
});

test('401 names what was missing: credentials sent and refused, or none sent', async (t) => {
  const guarded = await standIn(t, {
    '/api/v1/query': (_q, response) => response.writeHead(401).end('Unauthorized'),
  });
  assert.match(
    await failureOf({ url: guarded.origin, bearerToken: SECRET }),
    /refused the mirror's credentials \(HTTP 401\)/,
  );
  assert.match(
    await failureOf({ url: guarded.origin }),
    /asked for credentials \(HTTP 401\) and the mirror sent none/,
  );
  // A gateway's key as a plain custom header was sent too: the message names the header, not its value.
  const withKey = await failureOf({ url: guarded.origin, headers: 'X-Api-Key: wrong-key-value' });
  assert.match(
    withKey,
    /refused the request \(HTTP 401\) with the custom headers sent \(x-api-key\): check their values/,
  );
  assert.doesNotMatch(withKey, /wrong-key-value/);
  // A secret header is credentials too: they were sent, not "none".
  assert.match(
    await failureOf({ url: guarded.origin, secretHeaders: `X-Api-Key: ${SECRET}` }),
    /refused the mirror's credentials \(HTTP 401\)/,
  );
  // Another allowed Prometheus named in the connection details never gets the credentials: setting
  // some would not help, and the message must not say so.
  const elsewhere = await createPrometheusFromSetting({
    url: 'http://127.0.0.1:9',
    bearerToken: SECRET,
    allowedUrls: guarded.origin,
  }).testConnection({ ...context(), connectionDetails: { prometheusUrl: guarded.origin } });
  assert.equal(elsewhere.status, 'FAILURE');
  const said = elsewhere.error?.details ?? '';
  assert.match(said, /sends its credentials only to the Prometheus URL in its settings/);
  assert.doesNotMatch(said, /set a bearer token/);
});

test('the per-call time-out is a setting (--prometheus-timeout), and says its figure', async (t) => {
  const hanging = await standIn(t, { '/api/v1/query': () => {} });
  const started = performance.now();
  assert.equal(
    await failureOf({ url: hanging.origin, timeoutSeconds: '1' }),
    `Prometheus at ${hanging.origin} did not answer within 1 s.`,
  );
  assert.ok(performance.now() - started < 5000);
  const parsed = parseCliArgs([
    '--prometheus-url',
    'http://127.0.0.1:9009/prometheus',
    '--prometheus-headers',
    'X-Scope-OrgID: team-a;;X-Other: b',
    '--prometheus-timeout',
    '30',
  ]);
  assert.ok(!('error' in parsed), JSON.stringify(parsed));
  assert.deepEqual(parsed.overrides.dataSource, {
    kind: 'prometheus',
    url: 'http://127.0.0.1:9009/prometheus',
    headers: 'X-Scope-OrgID: team-a;;X-Other: b',
    timeoutSeconds: '30',
  });
  const wrong = parseCliArgs(['--prometheus-url', 'http://h:9090', '--prometheus-timeout', '0']);
  assert.ok('error' in wrong && /from 1 to 300/.test(wrong.error), JSON.stringify(wrong));
});
