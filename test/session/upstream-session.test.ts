// The session in front of the user's own mirror (--upstream): the key to paste becomes the upstream's
// own, learned from its first answer, and the self-test passes with it; the log entry carries findings.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { SessionState } from '../../server/contract/contract';
import { MirrorSession } from '../../server/session';
import { FileSettingsStore } from '../../server/settings/file-store';
import { FIXTURE_KEY, startFixture } from '../cli/fixture-mirrors';

test('the window shows the upstream’s key once it answered, and the self-test passes with it', async () => {
  const fixture = await startFixture('unsorted');
  const dir = await mkdtemp(join(tmpdir(), 'upstream-session-'));
  const session = await MirrorSession.create({
    store: new FileSettingsStore(join(dir, 'settings.json')),
    overrides: { mirrorPort: 0, tunnel: 'none', dataSource: { kind: 'upstream', url: fixture.url } },
    env: {},
  });
  try {
    await session.start();
    // The key StackState must paste is the upstream's: unknown (not the app's own) until it answers.
    assert.equal(session.state.connection.apiKey, null);
    const states: SessionState[] = [];
    session.on('state', (state) => states.push(state));

    const selfTest = await session.selfTest();
    // With the tunnel "none" the Mirror URL is host.docker.internal: the mirror is checked locally, and said so.
    assert.equal(selfTest.reach, 'this-machine');
    assert.equal(selfTest.status, 200, selfTest.message);
    assert.equal(selfTest.keyHeaderMatches, true, selfTest.message);
    assert.equal(session.state.connection.apiKey, FIXTURE_KEY);
    assert.ok(
      states.some((state) => state.connection.apiKey === FIXTURE_KEY),
      'learning the key is a state change',
    );

    const response = await fetch(new URL('api/metric', session.state.mirror.localUrl!), {
      method: 'POST',
      body: JSON.stringify({ query: { startTime: 0, endTime: 3_600_000 } }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-mirror-api-key'), FIXTURE_KEY);
    const entry = session.log.list().at(-1)!;
    assert.deepEqual(
      entry.findings.map((finding) => [finding.id, finding.severity]),
      [['sorted', 'fail']],
    );
  } finally {
    await session.shutdown();
    await fixture.stop();
  }
});
