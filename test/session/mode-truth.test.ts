// What the session says fits the mode it runs in: "My own mirror" set to this app's own address is
// refused at Test and at Save, before anything is saved; with the tunnel "none" and the mirror kept on
// 127.0.0.1, Docker's reach is a warning, not a promise. Real sessions on ephemeral ports.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MirrorSession, type SessionOptions } from '../../server/session';
import { FileSettingsStore } from '../../server/settings/file-store';

const sessions: MirrorSession[] = [];
after(() => Promise.all(sessions.map((session) => session.shutdown())));

async function started(overrides: SessionOptions['overrides']): Promise<MirrorSession> {
  const dir = await mkdtemp(join(tmpdir(), 'mode-truth-'));
  const session = await MirrorSession.create({
    store: new FileSettingsStore(join(dir, 'settings.json')),
    overrides: { mirrorPort: 0, tunnel: 'none', ...overrides },
    env: {},
  });
  sessions.push(session);
  await session.start();
  return session;
}

test('My own mirror at this app’s own address: Test says why, Save refuses, nothing is saved', async () => {
  const session = await started({});
  const port = session.state.mirror.port!;
  for (const url of [`http://127.0.0.1:${port}`, `http://localhost:${port}/`, `http://[::1]:${port}`]) {
    const tested = await session.testDataSource({ kind: 'upstream', url });
    assert.equal(tested.ok, false, url);
    assert.match(tested.message, /is this app's own mirror, so every request would come back here/, url);
    await assert.rejects(session.updateSettings({ dataSource: { kind: 'upstream', url } }), {
      message: /^dataSource: .*is this app's own mirror/,
    });
    assert.equal(session.state.dataSource.kind, 'demo', 'nothing was saved');
    assert.equal(session.state.phase, 'online');
  }
  // Another port on this machine is not the app: the test asks it (and nothing answers there).
  const other = await session.testDataSource({ kind: 'upstream', url: 'http://127.0.0.1:1' });
  assert.equal(
    other.message,
    'My own mirror at http://127.0.0.1:1: Nothing answers at 127.0.0.1:1 (connection refused) — is it running?',
  );
});

test('the tunnel "none" with --host 127.0.0.1: a warning that Docker may not reach it, never "can reach"', async () => {
  const session = await started({ mirrorHost: '127.0.0.1' });
  const state = session.state;
  assert.equal(state.mirror.host, '127.0.0.1');
  assert.match(
    state.mirror.networkWarning ?? '',
    /listens on 127\.0\.0\.1 only\. .*not with Docker on Linux/,
  );
  assert.doesNotMatch(state.message, /can reach/);
});
