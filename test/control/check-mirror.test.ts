// The window's "Check a mirror": POST /control/check-mirror runs the checks of `npm run check` on the
// URL given (here the app's own mirror, and a mirror with one fault), behind the control token.
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type CheckMirrorResult, ROUTES } from '../../server/contract/contract';
import { type Runtime, startRuntime } from '../../server/runtime';
import { FileSettingsStore } from '../../server/settings/file-store';
import { FIXTURE_KEY, startFixture } from '../cli/fixture-mirrors';

let runtime: Runtime;
before(async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-check-'));
  runtime = await startRuntime({
    store: new FileSettingsStore(join(dir, 'settings.json')),
    overrides: { mirrorPort: 0, tunnel: 'none' },
    env: {},
    uiRoot: join(dir, 'no-ui-built'),
  });
});
after(() => runtime.stop());

const check = (body: unknown, token = runtime.control.token) =>
  fetch(`http://127.0.0.1:${runtime.control.port}${ROUTES.checkMirror}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('the app’s own mirror passes; a faulty one fails its rule; nothing listening is one message', async () => {
  const own = await check({
    url: runtime.session.state.mirror.localUrl,
    apiKey: runtime.session.state.connection.apiKey,
  });
  assert.equal(own.status, 200);
  const ownResult = (await own.json()) as CheckMirrorResult;
  assert.ok(ownResult.reachable);
  assert.equal(ownResult.summary.fail, 0);

  const fixture = await startFixture('wrong-partial');
  try {
    const faulty = (await (
      await check({ url: fixture.url, apiKey: FIXTURE_KEY })
    ).json()) as CheckMirrorResult;
    assert.ok(faulty.reachable);
    assert.deepEqual(
      faulty.checks.filter((c) => c.status === 'fail').map((c) => c.id),
      ['is-partial'],
    );
  } finally {
    await fixture.stop();
  }
  const nobody = (await (await check({ url: fixture.url })).json()) as CheckMirrorResult;
  assert.equal(nobody.reachable, false);
  assert.ok(!nobody.reachable);
  assert.equal(
    nobody.message,
    `Nothing answers at ${new URL(fixture.url).host} (connection refused) — is it running?`,
  );
});

test('bad input is one clear error; no token, no check', async () => {
  const bad = await check({ url: 'ftp://example.invalid/' });
  assert.equal(bad.status >= 400 && bad.status < 500, true);
  assert.match(((await bad.json()) as { error: string }).error, /http:\/\/ or https:\/\//);
  const details = await check({ url: 'http://127.0.0.1:9/', connectionDetails: '[1]' });
  assert.match(((await details.json()) as { error: string }).error, /JSON object/);
  const unauthorised = await check({ url: 'http://127.0.0.1:9/' }, 'wrong-token');
  assert.equal(unauthorised.status, 401);
});
