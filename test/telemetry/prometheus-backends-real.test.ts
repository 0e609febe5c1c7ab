// The prometheus source against a real Prometheus behind a tenant proxy that copies Mimir's rule
// (a request without X-Scope-OrgID gets 401 "no org id"; Mimir itself cannot run here): the tenant
// header on every call, field values of a 20,000-value label with `limit` passed to the backend,
// and `le` values ordered as numbers. Then a real Prometheus with its own basic auth
// (--web.config.file): Test Connection with the right, a wrong and no password.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createPrometheusFromSetting } from '../../server/telemetry/prometheus';
import { aggregatedPointsOf, fieldValuesQuery, metricsQuery, sourceContext, stringIs } from './helpers';
import {
  freePort,
  type PrometheusFixture,
  prometheusMissing,
  spawnPrometheus,
  startPrometheus,
} from './prometheus-fixture';

const CARDINALITY = 20_000;
const BUCKETS = ['0.005', '0.01', '0.025', '0.1', '0.25', '1', '2.5', '10', '20', '120', '+Inf'];
const ids = Array.from({ length: CARDINALITY }, (_, i) => `v${String(i).padStart(5, '0')}`);
const EXTRA = [
  '# TYPE fixture_cardinal gauge',
  ...ids.map((id) => `fixture_cardinal{id="${id}"} 1`),
  '# TYPE fixture_latency histogram',
  ...BUCKETS.map((le, i) => `fixture_latency_bucket{le="${le}"} ${i}`),
  'fixture_latency_sum 1',
  'fixture_latency_count 10',
  '',
].join('\n');

/** A source context whose notes go nowhere. */
const context = () => sourceContext(() => {});

describe('a real Prometheus behind a tenant proxy', { skip: prometheusMissing() ?? false }, () => {
  let fixture: PrometheusFixture;
  let proxyUrl = '';
  const asked: URL[] = [];
  const proxy = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://proxy');
    asked.push(url);
    if (request.headers['x-scope-orgid'] !== 'team-a') {
      response.writeHead(401).end('no org id\n');
      return;
    }
    const upstream = new URL(fixture.url);
    const forwarded = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: request.method,
        path: `${url.pathname.replace(/^\/prometheus/, '')}${url.search}`,
        headers: { ...request.headers, host: upstream.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    forwarded.on('error', () => response.destroy());
    request.pipe(forwarded);
  });
  const window = () => ({ startTime: fixture.startedAt - 500, endTime: Date.now() - 500 });

  before(async () => {
    fixture = await startPrometheus(4, 60_000, EXTRA);
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/prometheus`;
  });
  after(async () => {
    proxy.closeAllConnections();
    proxy.close();
    await fixture?.stop();
  });

  test('without the tenant: Test Connection names it; with it, every call carries it', async () => {
    const bare = await createPrometheusFromSetting({ url: proxyUrl }).testConnection(context());
    assert.equal(bare.status, 'FAILURE');
    assert.match(bare.error?.details ?? '', /the backend asked for a tenant \(X-Scope-OrgID\)/);
    const source = createPrometheusFromSetting({ url: proxyUrl, headers: 'X-Scope-OrgID: team-a' });
    assert.equal((await source.testConnection(context())).status, 'OK');
    const answer = await source.metrics(
      metricsQuery({
        ...window(),
        conditions: [stringIs('__name__', 'fixture_temperature'), stringIs('room', 'kitchen')],
        aggregation: { _type: 'Aggregation', method: 'MAX', bucketSizeMillis: 2000 },
      }),
      context(),
    );
    assert.ok(aggregatedPointsOf(answer).length > 0, 'the metric was answered through the tenant proxy');
  });

  test(`field values of a ${CARDINALITY.toLocaleString('en')}-value label: a page, limit sent to the backend`, async () => {
    const source = createPrometheusFromSetting({ url: proxyUrl, headers: 'X-Scope-OrgID: team-a' });
    const conditions = [stringIs('__name__', 'fixture_cardinal')];
    const first = await source.fieldValues(
      fieldValuesQuery('id', { ...window(), conditions, limit: 10, offset: 5 }),
      context(),
    );
    assert.deepEqual(
      first.values.map((v) => v.value),
      ids.slice(5, 15),
    );
    assert.equal(first.isPartial, true);
    const sent = asked.filter((url) => url.pathname.endsWith('/label/id/values')).at(-1);
    assert.equal(sent?.searchParams.get('limit'), '16', 'limit (offset + limit + 1) went to the backend');
    // The prefix narrows at the backend too, so the backend's limit counts values that can be returned.
    const last = await source.fieldValues(
      fieldValuesQuery('id', { ...window(), conditions, fieldValuePrefix: 'v1999', limit: 100 }),
      context(),
    );
    assert.deepEqual(
      last.values.map((v) => v.value),
      ids.slice(19_990),
    );
    assert.equal(last.isPartial, false);
    const narrowed = asked.filter((url) => url.pathname.endsWith('/label/id/values')).at(-1);
    assert.match(narrowed?.searchParams.get('match[]') ?? '', /id=~"v1999\(\?s:\.\*\)"/);
    // StackState's "no limit" still gets a bounded answer, marked partial.
    const all = await source.fieldValues(
      fieldValuesQuery('id', { ...window(), conditions, limit: 2_147_483_647 }),
      context(),
    );
    assert.equal(all.values.length, 10_000);
    assert.equal(all.isPartial, true);
  });

  test('le values are ordered as numbers, +Inf last', async () => {
    const source = createPrometheusFromSetting({ url: proxyUrl, headers: 'X-Scope-OrgID: team-a' });
    const answer = await source.fieldValues(
      fieldValuesQuery('le', { ...window(), conditions: [stringIs('__name__', 'fixture_latency_bucket')] }),
      context(),
    );
    assert.deepEqual(
      answer.values.map((v) => v.value),
      BUCKETS,
    );
  });

  test('a pooled MEAN over 20,000 series reads 1,000 of their label sets to say what is pooled, and says "more than"', async () => {
    const source = createPrometheusFromSetting({ url: proxyUrl, headers: 'X-Scope-OrgID: team-a' });
    const notes: string[] = [];
    await source.metrics(
      metricsQuery({
        ...window(),
        conditions: [stringIs('__name__', 'fixture_cardinal')],
        aggregation: { _type: 'Aggregation', method: 'MEAN', bucketSizeMillis: 60_000 },
      }),
      { ...context(), note: (finding) => notes.push(finding.message) },
    );
    assert.ok(
      notes.some((n) =>
        /^More than 1,000 series pooled by MEAN.*differ in id \(among the first 1,000\)\.$/.test(n),
      ),
      notes.join('\n'),
    );
    const series = asked.filter((url) => url.pathname.endsWith('/api/v1/series')).at(-1);
    assert.equal(series?.searchParams.get('limit'), '1001', 'the limit is sent to the backend');
  });
});

// Prometheus's own basic auth (--web.config.file), with a fixed user and password: bcrypt of
// "basic-auth-test-pw" at cost 4 (the lowest Prometheus accepts, so the test stays quick).
const BASIC_USER = 'mirror';
const BASIC_PASSWORD = 'basic-auth-test-pw';
const BASIC_HASH = '$2b$04$FSSRU9NAMBnM92vrW2Q2buKpQqMkLU4dN6FSeDSrOAjRUI3XaV6Cy';

describe('a real Prometheus that asks for basic auth', { skip: prometheusMissing() ?? false }, () => {
  let prometheus: ReturnType<typeof spawnPrometheus>;
  let dir = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mirror-prometheus-auth-'));
    await writeFile(join(dir, 'prometheus.yml'), 'global: { scrape_interval: 1m }\n');
    await writeFile(join(dir, 'web.yml'), `basic_auth_users:\n  ${BASIC_USER}: ${BASIC_HASH}\n`);
    prometheus = spawnPrometheus(dir, join(dir, 'data'), await freePort(), [
      `--web.config.file=${join(dir, 'web.yml')}`,
    ]);
    // Ready once it answers at all (401 without credentials).
    const deadline = Date.now() + 30_000;
    while ((await fetch(`${prometheus.url}/-/ready`).catch(() => null)) === null) {
      if (!prometheus.running() || Date.now() > deadline)
        throw new Error(`prometheus did not start:\n${prometheus.log()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  after(async () => {
    await prometheus?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const testWith = (options: Record<string, string>) =>
    createPrometheusFromSetting({ url: prometheus.url, ...options }).testConnection(context());

  test('Test Connection: OK with its user and password; none sent, or a wrong one, each said plainly', async () => {
    assert.deepEqual(await testWith({ username: BASIC_USER, password: BASIC_PASSWORD }), {
      _type: 'TestConnectionResponse',
      status: 'OK',
    });
    const none = await testWith({});
    assert.equal(none.status, 'FAILURE');
    assert.match(none.error?.details ?? '', /asked for credentials \(HTTP 401\) and the mirror sent none/);
    const wrong = await testWith({ username: BASIC_USER, password: 'not-the-password' });
    assert.equal(wrong.status, 'FAILURE');
    assert.match(wrong.error?.details ?? '', /refused the mirror's credentials \(HTTP 401\)/);
    assert.ok(!JSON.stringify(wrong).includes('not-the-password'), 'the password is never quoted');
  });
});
