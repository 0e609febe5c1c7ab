// The control API's routes for a typed API key and for "Try again", over a real socket.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROUTES, type SessionState } from '../../server/contract/contract';
import { LocalForwarderTunnel } from '../../server/tunnel/local-forwarder';
import { type Tunnel, TunnelError } from '../../server/tunnel/tunnel';
import { startTestRuntime, waitForPhase } from '../fixtures/runtime';

async function call(
  runtime: { control: { port: number; token: string } },
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`http://127.0.0.1:${runtime.control.port}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${runtime.control.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

test('PUT settings takes a typed API key under the rule, and refuses one that breaks it, saying the rule', async (t) => {
  const { runtime } = await startTestRuntime(t);
  const ok = await call(runtime, 'PUT', ROUTES.settings, { apiKey: 'api_key' });
  assert.equal(ok.status, 200);
  assert.equal((ok.json as SessionState).connection.apiKey, 'api_key');
  const bad = await call(runtime, 'PUT', ROUTES.settings, { apiKey: 'two words' });
  assert.equal(bad.status, 400);
  assert.deepEqual(bad.json, {
    error: 'apiKey must be 1 to 200 ASCII letters, digits or punctuation, no spaces',
  });
  const huge = await call(runtime, 'PUT', ROUTES.settings, { apiKey: 'x'.repeat(5000) });
  assert.equal(huge.status, 400, 'an overlong key is refused by the schema before the session sees it');
  assert.equal(runtime.session.state.connection.apiKey, 'api_key');
});

test('POST tunnel/retry reopens the tunnel and leaves the mirror on its port', async (t) => {
  let opens = 0;
  const { runtime } = await startTestRuntime(t, {
    makeTunnel: () => {
      opens++;
      const tunnel = new LocalForwarderTunnel();
      if (opens === 1) {
        // The first one finds no network.
        tunnel.open = async () => {
          throw new TunnelError('ERR_TUNNEL_NETWORK', 'Cannot reach ngrok.', { retryable: true });
        };
      }
      return tunnel as Tunnel;
    },
    tunnelRetry: { initialDelayMillis: 60_000, maxDelayMillis: 60_000 },
  });
  const failed = await waitForPhase(runtime.session, ['tunnel-error']);
  const answer = await call(runtime, 'POST', ROUTES.retryTunnel);
  assert.equal(answer.status, 200);
  const online = await waitForPhase(runtime.session, ['online']);
  assert.equal(online.mirror.port, failed.mirror.port, 'the mirror kept its port');
  assert.equal(opens, 2);
});
