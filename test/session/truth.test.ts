// What the session says is what happened, over real parts: a real mirror on 127.0.0.1, a port that
// is really taken by another listener, a real settings file, and a stand-in tunnel that fails the
// way ngrok does without a network.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MirrorSession, type SessionOptions } from '../../server/session';
import { FileSettingsStore } from '../../server/settings/file-store';
import { LocalForwarderTunnel } from '../../server/tunnel/local-forwarder';
import { TunnelError, type TunnelEvents, type TunnelStatus } from '../../server/tunnel/tunnel';
import { waitForState as waitFor } from '../fixtures/wait-for-state';

const TOKEN = '2fakeAuthtokenForTests_0123456789abcdef';
const sessions: MirrorSession[] = [];
const servers: Server[] = [];
after(async () => {
  for (const session of sessions) await session.shutdown();
  for (const server of servers) server.close();
});

async function newSession(options: Partial<SessionOptions> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-truth-'));
  const path = join(dir, 'settings.json');
  const session = await MirrorSession.create({
    store: new FileSettingsStore(path),
    overrides: { mirrorPort: 0 },
    env: {},
    ...options,
  });
  sessions.push(session);
  return { session, path };
}

/** Another program on a port: a plain TCP listener on 127.0.0.1. */
async function occupiedPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return (server.address() as { port: number }).port;
}

/** ngrok without a network: every open fails with ERR_TUNNEL_NETWORK (retryable). */
class OfflineTunnel extends EventEmitter<TunnelEvents> {
  readonly kind = 'ngrok' as const;
  status: TunnelStatus = { state: 'closed' };
  async open(): Promise<string> {
    throw new TunnelError('ERR_TUNNEL_NETWORK', 'Cannot reach ngrok.', { retryable: true });
  }
  async close(): Promise<void> {}
}

describe('a save whose restart fails', () => {
  test('a port in use: the state says the mirror is down and why; the value was saved', async () => {
    const busy = await occupiedPort();
    const { session, path } = await newSession();
    await session.start();
    const state = await session.updateSettings({ mirrorPort: busy });
    assert.equal(state.phase, 'error');
    assert.match(state.message, new RegExp(`^The mirror is not running: Port ${busy} is already in use`));
    assert.equal(state.mirror.port, null);
    assert.equal(state.connection.mirrorUrl, null, 'no URL to paste while the mirror is down');
    assert.equal(state.settings.mirrorPort, busy, 'the form shows the value in effect');
    assert.equal(JSON.parse(await readFile(path, 'utf8')).mirrorPort, busy, 'and it was saved');
    // Saving a port that is free starts the mirror that was down.
    const fixed = await session.updateSettings({ mirrorPort: 0 });
    assert.notEqual(fixed.phase, 'error', fixed.message);
    assert.notEqual(fixed.mirror.port, null, 'the mirror runs again');
  });
});

describe('the port stays when only the tunnel is tried again', () => {
  test('"Try again" with --port 0 reopens the tunnel and leaves the mirror on its port', async () => {
    const { session } = await newSession({
      env: { NGROK_AUTHTOKEN: TOKEN },
      tunnelFactory: () => new OfflineTunnel(),
      tunnelRetry: { initialDelayMillis: 60_000, maxDelayMillis: 60_000 },
    });
    await session.start();
    const failed = await waitFor(session, (s) => s.phase === 'tunnel-error');
    assert.equal(failed.tunnel.authtokenRefused, false, 'a network failure is not blamed on the token');
    const port = failed.mirror.port;
    for (let i = 0; i < 3; i++) {
      const again = await session.retryTunnel();
      assert.equal(again.mirror.port, port, `try ${i + 1} keeps port ${port}`);
      assert.equal(again.connection.mirrorUrl, failed.connection.mirrorUrl);
    }
  });

  test('a restart a setting needs asks for the same port again first, with --port 0', async () => {
    const { session } = await newSession({
      env: { NGROK_AUTHTOKEN: TOKEN },
      tunnelFactory: () => new LocalForwarderTunnel(),
    });
    await session.start();
    const online = await waitFor(session, (s) => s.phase === 'online');
    const state = await session.updateSettings({ allowCidrs: ['192.0.2.0/24'] });
    assert.equal(state.mirror.port, online.mirror.port);
  });
});

describe('the authtoken from NGROK_AUTHTOKEN', () => {
  test('is shown as from the environment, and Stop & clean up does not claim to forget it', async () => {
    const { session } = await newSession({
      env: { NGROK_AUTHTOKEN: TOKEN },
      tunnelFactory: () => new LocalForwarderTunnel(),
    });
    await session.start();
    const online = await waitFor(session, (s) => s.phase === 'online');
    assert.equal(online.settings.authtokenSource, 'environment');
    assert.equal(online.settings.authtokenHint, '…cdef');
    const report = await session.cleanup({ forgetAuthtoken: true });
    const steps = Object.fromEntries(report.steps.map((step) => [step.what, step.detail]));
    assert.equal(steps['ngrok authtoken forgotten'], 'No authtoken was saved.');
    assert.match(steps['NGROK_AUTHTOKEN is still set'] ?? '', /unset it/);
    assert.equal(session.state.settings.authtokenSource, 'environment');
  });
});
