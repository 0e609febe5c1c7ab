// The settings for one run on their own, over a store held in memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ActionError } from '../../server/session/action-error';
import { RunSettings, type SettingsOverrides } from '../../server/session/run-settings';
import { defaultSettings, type Settings, type SettingsStore } from '../../server/settings/settings';

const TOKEN = '2fakeAuthtokenForTests_0123456789abcdef';

class MemoryStore implements SettingsStore {
  readonly location = '(memory)';
  readonly encryptsSecrets = false;
  saves = 0;
  constructor(public stored: Settings = defaultSettings()) {}
  async load() {
    return { settings: structuredClone(this.stored), warnings: [] };
  }
  async save(settings: Settings) {
    this.saves++;
    this.stored = structuredClone(settings);
  }
  async clear() {
    this.stored = defaultSettings();
  }
}

async function load(
  options: { stored?: Partial<Settings>; overrides?: SettingsOverrides; env?: NodeJS.ProcessEnv } = {},
) {
  const store = new MemoryStore({ ...defaultSettings(), ...options.stored });
  const { settings } = await RunSettings.load({
    store,
    overrides: options.overrides,
    env: options.env ?? {},
  });
  return { settings, store };
}

test('the command-line overrides sit on top of the saved settings, and are not saved', async () => {
  const { settings, store } = await load({
    overrides: { mirrorPort: 0, ngrokDomain: 'mine.ngrok.app', allowCidrs: ['192.0.2.0/24'] },
  });
  assert.equal(settings.effective.mirrorPort, 0);
  assert.equal(settings.effective.ngrokDomain, 'mine.ngrok.app');
  assert.deepEqual(settings.effective.allowCidrs, ['192.0.2.0/24']);
  assert.equal(settings.publicView.mirrorPort, 0, 'the UI shows what this run uses');
  assert.equal(settings.publicView.sources.mirrorPort, 'command-line');
  assert.equal(settings.publicView.sources.ngrokDomain, 'command-line');
  assert.equal(settings.publicView.sources.tunnel, 'saved');
  assert.equal(store.stored.mirrorPort, 7007);
});

test('the authtoken: the saved one, else NGROK_AUTHTOKEN (trimmed, blank is none); the UI sees its last four only', async () => {
  assert.equal((await load({ env: { NGROK_AUTHTOKEN: `  ${TOKEN}\n` } })).settings.authtoken, TOKEN);
  assert.equal((await load({ env: { NGROK_AUTHTOKEN: '  ' } })).settings.authtoken, null);
  const { settings } = await load({ stored: { ngrokAuthtoken: TOKEN }, env: { NGROK_AUTHTOKEN: 'other' } });
  assert.equal(settings.authtoken, TOKEN);
  assert.equal(settings.publicView.hasAuthtoken, true);
  assert.equal(settings.publicView.authtokenHint, '…cdef');
  assert.doesNotMatch(JSON.stringify(settings.publicView), new RegExp(TOKEN));
  assert.equal(settings.tunnelPlan(7007).authtoken, TOKEN, 'the token goes into the tunnel plan');
});

test('where the token in effect comes from: an environment token is not "saved", and forgetting leaves it', async () => {
  const fromEnv = (await load({ env: { NGROK_AUTHTOKEN: TOKEN } })).settings;
  assert.equal(fromEnv.publicView.authtokenSource, 'environment');
  assert.equal(fromEnv.publicView.authtokenInEnvironment, true);
  assert.equal(await fromEnv.forgetAuthtoken(), false, 'nothing saved, so nothing forgotten');
  assert.equal(fromEnv.publicView.authtokenSource, 'environment', 'the environment token is still in effect');
  const both = (await load({ stored: { ngrokAuthtoken: `${TOKEN}x` }, env: { NGROK_AUTHTOKEN: TOKEN } }))
    .settings;
  assert.equal(both.publicView.authtokenSource, 'saved');
  assert.equal(await both.forgetAuthtoken(), true);
  assert.equal(both.publicView.authtokenSource, 'environment');
  assert.equal(both.publicView.authtokenHint, '…cdef');
  const none = (await load()).settings;
  assert.equal(none.publicView.authtokenSource, null);
  assert.equal(none.publicView.authtokenInEnvironment, false);
});

test('--tunnel none is what the UI sees for this run, marked as from the command line', async () => {
  const { settings } = await load({ overrides: { tunnel: 'none' } });
  assert.equal(settings.publicView.tunnel, 'none');
  assert.equal(settings.publicView.sources.tunnel, 'command-line');
});

test('a typed API key: the tutorial’s api_key is taken; a space, an empty or an overlong key is refused by the rule', async () => {
  const { settings, store } = await load({ overrides: { apiKey: 'from-cli' } });
  await settings.update({ apiKey: 'api_key' });
  assert.equal(store.stored.apiKey, 'api_key');
  assert.equal(settings.effective.apiKey, 'api_key', 'the typed key replaces --api-key for this run');
  for (const bad of ['', 'two words', 'x'.repeat(201), 'tab\tkey', 'é']) {
    await assert.rejects(
      settings.update({ apiKey: bad }),
      /apiKey must be 1 to 200 ASCII letters, digits or punctuation, no spaces/,
    );
  }
  assert.equal(store.stored.apiKey, 'api_key');
});

test('with no tunnel the default loopback host widens to every interface; --host is kept as given', async () => {
  assert.equal((await load({ stored: { tunnel: 'none' } })).settings.bindHost, '0.0.0.0');
  assert.equal((await load({ stored: { tunnel: 'ngrok' } })).settings.bindHost, '127.0.0.1');
  const chosen = await load({ stored: { tunnel: 'none' }, overrides: { mirrorHost: '127.0.0.1' } });
  assert.equal(chosen.settings.bindHost, '127.0.0.1');
});

test('a change with one bad field is refused whole, naming every bad field; nothing is saved', async () => {
  const { settings, store } = await load();
  await assert.rejects(
    settings.update({ mirrorPort: 99999, mirrorHost: '', allowCidrs: [] }),
    (error: Error) => {
      assert.ok(error instanceof ActionError);
      assert.match(error.message, /^mirrorPort must be a port.*; mirrorHost must be a host address$/);
      return true;
    },
  );
  assert.equal(store.saves, 0);
});

test('a change says whether the mirror or tunnel must restart; a UI change beats the command line', async () => {
  const { settings, store } = await load({ overrides: { mirrorPort: 0 } });
  assert.deepEqual(await settings.update({ allowCidrs: [] }), { needsRestart: false });
  assert.deepEqual(await settings.update({ mirrorPort: 7100 }), { needsRestart: true });
  assert.equal(settings.effective.mirrorPort, 7100, 'the override for --port is dropped');
  assert.equal(store.stored.mirrorPort, 7100);
  assert.deepEqual(await settings.update({ allowCidrs: ['192.0.2.0/24'] }), { needsRestart: true });
});

test('saving the token NGROK_AUTHTOKEN already gives changes nothing the tunnel uses', async () => {
  const { settings } = await load({ env: { NGROK_AUTHTOKEN: TOKEN } });
  assert.deepEqual(await settings.update({ ngrokAuthtoken: TOKEN }), { needsRestart: false });
  assert.deepEqual(await settings.update({ ngrokAuthtoken: `${TOKEN}x` }), { needsRestart: true });
});

test('regenerate, forget the authtoken, reset to defaults', async () => {
  const { settings, store } = await load({
    stored: { ngrokAuthtoken: TOKEN },
    overrides: { apiKey: 'from-cli' },
  });
  const before = store.stored.apiKey;
  await settings.regenerateApiKey();
  assert.notEqual(store.stored.apiKey, before);
  assert.equal(
    settings.effective.apiKey,
    store.stored.apiKey,
    'the new key is in effect, as the window says',
  );
  assert.equal(settings.apiKeyOverridden, false);
  assert.equal(settings.publicView.sources.apiKey, 'saved');
  assert.equal(await settings.forgetAuthtoken(), true);
  assert.equal(await settings.forgetAuthtoken(), false);
  assert.equal(store.stored.ngrokAuthtoken, null);
  await settings.update({ mirrorPort: 7100 });
  await settings.reset();
  assert.equal(settings.publicView.mirrorPort, 7007);
});

test('what is in effect follows every change at once: an update, a new key, a reset (the mirror reads it on each request)', async () => {
  const { settings } = await load({
    stored: { ngrokAuthtoken: TOKEN },
    overrides: { requestTimeoutSeconds: 5 },
  });
  assert.equal(settings.effective.ngrokAuthtoken, TOKEN);
  await settings.forgetAuthtoken();
  assert.equal(settings.effective.ngrokAuthtoken, null, 'a forgotten authtoken is gone at once');
  const firstKey = settings.effective.apiKey;
  assert.equal(settings.deadlineMillis, 5000, 'the command line first');
  await settings.update({ requestTimeoutSeconds: 12 });
  assert.equal(settings.deadlineMillis, 12_000, 'a change in the window replaces the command-line value');
  await settings.regenerateApiKey();
  const secondKey = settings.effective.apiKey;
  assert.notEqual(secondKey, firstKey, 'a new key is in effect at once');
  await settings.reset();
  assert.notEqual(settings.effective.apiKey, secondKey, 'a reset brings a new key');
  assert.equal(settings.deadlineMillis, defaultSettings().requestTimeoutSeconds * 1000);
});
