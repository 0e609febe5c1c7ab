// The control API over a real socket: who it lets in, what it says, and what it never says.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ControlEvent, ROUTES, type SessionState } from '../../server/contract/contract';
import { isPortFree } from '../../server/ports';
import { type Runtime, startRuntime } from '../../server/runtime';
import { FileSettingsStore } from '../../server/settings/file-store';
import { takeEventFrames } from './event-frames';

const SECRET = '2secretAuthtokenNeverShown_abcdefghijklmnop';
let runtime: Runtime;
let base: string;
let token: string;

before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-control-'));
  runtime = await startRuntime({
    store: new FileSettingsStore(join(dir, 'settings.json')),
    overrides: { mirrorPort: 0 },
    env: {},
    uiRoot: join(dir, 'no-ui-built'),
  });
  base = `http://127.0.0.1:${runtime.control.port}`;
  token = runtime.control.token;
});
after(() => runtime.stop());

/** A raw request, so the Host and Origin headers are exactly what a hostile page could send. */
function call(
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const req = request(
      `${base}${path}`,
      {
        method: options.method ?? 'GET',
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

describe('who the control API lets in', () => {
  test('the right token gets the state', async () => {
    const response = await call(ROUTES.state);
    assert.equal(response.status, 200);
    const state = JSON.parse(response.body) as SessionState;
    assert.equal(state.phase, 'local');
    assert.equal(response.headers['access-control-allow-origin'], undefined, 'no CORS headers, ever');
  });

  test('a missing or wrong token gets 401 and no data', async () => {
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer wrong' }]) {
      const response = await call(ROUTES.state, { headers });
      assert.equal(response.status, 401);
      assert.doesNotMatch(response.body, /apiKey|phase/);
    }
    assert.equal((await call(`${ROUTES.log}?token=wrong`, { headers: { authorization: '' } })).status, 401);
    assert.equal((await call(ROUTES.stop, { method: 'POST', headers: { authorization: '' } })).status, 401);
    // The router decodes the path: an encoded letter must not make /control/ look like a static file.
    const encoded = await call('/%63ontrol/state', { headers: { authorization: '' } });
    assert.equal(encoded.status, 401);
    assert.doesNotMatch(encoded.body, /apiKey/);
    assert.equal(
      (await call('/control/nope', { method: 'POST', headers: { authorization: '' } })).status,
      401,
    );
  });

  test('a foreign Host (DNS rebinding) or Origin (another site) gets 403 even with the token', async () => {
    assert.equal((await call(ROUTES.state, { headers: { host: 'attacker.example' } })).status, 403);
    assert.equal((await call(ROUTES.state, { headers: { origin: 'https://attacker.example' } })).status, 403);
    assert.equal((await call('/', { headers: { host: 'attacker.example' } })).status, 403);
  });

  test('the page itself needs no token, and says how to build the UI when it is missing', async () => {
    const response = await call('/', { headers: { authorization: '' } });
    assert.equal(response.status, 200);
    assert.match(response.body, /npm run build/);
    assert.equal(response.headers['referrer-policy'], 'no-referrer');
    assert.match(String(response.headers['content-security-policy']), /default-src 'self'/);
  });

  test('the control API is on loopback only, never on the mirror port', async () => {
    const state = runtime.session.state;
    assert.notEqual(runtime.control.port, state.mirror.port);
    const viaMirror = await fetch(`${state.mirror.localUrl}control/state`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(viaMirror.status, 404);
  });
});

describe('what it does', () => {
  test('saving an authtoken never returns it; the state only says one is set', async () => {
    const response = await call(ROUTES.settings, {
      method: 'PUT',
      body: { ngrokAuthtoken: SECRET, tunnel: 'none' },
    });
    assert.equal(response.status, 200);
    assert.doesNotMatch(response.body, new RegExp(SECRET));
    const state = JSON.parse(response.body) as SessionState;
    assert.equal(state.settings.hasAuthtoken, true);
    assert.equal(state.settings.authtokenHint, `…${SECRET.slice(-4)}`);
    assert.doesNotMatch((await call(ROUTES.state)).body, new RegExp(SECRET));
    // Back to the local mode for the other tests.
    const reset = await call(ROUTES.settings, {
      method: 'PUT',
      body: { ngrokAuthtoken: null, tunnel: 'ngrok' },
    });
    assert.equal(JSON.parse(reset.body).phase, 'local', reset.body);
  });

  test('bad settings get 400 with a sentence, and nothing changes', async () => {
    const before = (await call(ROUTES.state)).body;
    const bad = await call(ROUTES.settings, { method: 'PUT', body: { mirrorPort: 123456 } });
    assert.equal(bad.status, 400);
    assert.match(JSON.parse(bad.body).error, /mirrorPort must be a port/);
    const unknown = await call(ROUTES.settings, { method: 'PUT', body: { password: 'x' } });
    assert.equal(unknown.status, 400);
    assert.equal(
      JSON.parse((await call(ROUTES.state)).body).settings.mirrorPort,
      JSON.parse(before).settings.mirrorPort,
    );
  });

  test('the event stream starts with the state and the log, then brings new requests in batches', async () => {
    const controller = new AbortController();
    const response = await fetch(`${base}${ROUTES.events}?token=${token}`, { signal: controller.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const events: ControlEvent[] = [];
    let buffer = '';
    const readUntil = async (done: () => boolean) => {
      while (!done()) {
        const { value } = await reader.read();
        buffer = takeEventFrames(buffer + (value ?? ''), events);
      }
    };
    await readUntil(() => events.length >= 2);
    const snapshot = events.length;
    assert.deepEqual(
      events.map((e) => e.type),
      ['state', 'log'],
    );
    const mirrorUrl = runtime.session.state.mirror.localUrl!;
    await Promise.all(
      [1, 2, 3].map(() =>
        fetch(`${mirrorUrl}api/connection`, { method: 'POST', body: '{"connectionDetails":{}}' }),
      ),
    );
    const logged = () => events.slice(snapshot).flatMap((e) => (e.type === 'log' ? e.entries : []));
    await readUntil(() => logged().length >= 3);
    assert.equal(logged().length, 3);
    assert.ok(logged().every((entry) => entry.operation === 'connection' && entry.status === 200));
    controller.abort();
  });

  test('stop & clean up through the API frees the mirror port and reports what is left in StackState', async () => {
    const port = runtime.session.state.mirror.port!;
    const response = await call(ROUTES.cleanup, { method: 'POST', body: {} });
    assert.equal(response.status, 200);
    const report = JSON.parse(response.body) as { steps: { ok: boolean }[]; remainingInStackState: string[] };
    assert.ok(report.steps.every((step) => step.ok));
    assert.equal(report.remainingInStackState.length, 2);
    assert.equal(await isPortFree(port, '127.0.0.1'), true);
    const started = JSON.parse((await call(ROUTES.start, { method: 'POST' })).body) as SessionState;
    assert.equal(started.phase, 'local');
  });
});
