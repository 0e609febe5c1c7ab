import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  CipheredSettingsStore,
  ENCRYPTED_TOKEN_KEY,
  type KeyValueBackend,
  SETTINGS_KEY,
  type SecretCipher,
  WINDOW_KEY,
} from '../../electron/secret-settings';
import { defaultSettings } from '../../server/settings';

const TOKEN = '2abcDEFghiJKLmnoPQRstu_3vwXYZ0123456789abcdef';

/**
 * Stand-in for Electron's safeStorage (which needs a running Electron and an OS keychain):
 * XOR with a key, base64. Not secure; it only lets the tests see what was encrypted and when.
 */
class StandInCipher implements SecretCipher {
  readonly name = 'the stand-in keychain';
  available = true;
  encryptions = 0;
  constructor(private readonly key = 'stand-in-key') {}
  isAvailable() {
    return this.available;
  }
  encrypt(plainText: string) {
    this.encryptions++;
    return Buffer.from(this.xor(Buffer.from(`ok:${plainText}`))).toString('base64');
  }
  decrypt(cipherText: string) {
    const plain = Buffer.from(this.xor(Buffer.from(cipherText, 'base64'))).toString();
    if (!plain.startsWith('ok:')) throw new Error('Error while decrypting the ciphertext provided');
    return plain.slice(3);
  }
  private xor(bytes: Buffer) {
    return bytes.map((byte, i) => byte ^ this.key.charCodeAt(i % this.key.length));
  }
}

/** Stand-in for electron-store: a Map, with the same few operations. */
class MemoryBackend implements KeyValueBackend {
  readonly path = '/stand-in/settings.json';
  readonly data = new Map<string, unknown>();
  writes = 0;
  get(key: string) {
    const value = this.data.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }
  set(values: Record<string, unknown>) {
    this.writes++;
    for (const [key, value] of Object.entries(values)) this.data.set(key, structuredClone(value));
  }
  delete(key: string) {
    this.data.delete(key);
  }
}

describe('desktop settings store', () => {
  test('first run: defaults are saved, so the API key stays the same next time', async () => {
    const backend = new MemoryBackend();
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    const first = await store.load();
    assert.deepEqual(first.warnings, []);
    const second = await new CipheredSettingsStore({ backend, cipher: new StandInCipher() }).load();
    assert.equal(second.settings.apiKey, first.settings.apiKey);
    assert.equal(store.location, '/stand-in/settings.json');
  });

  test('the authtoken is encrypted on save and decrypted on load', async () => {
    const backend = new MemoryBackend();
    const cipher = new StandInCipher();
    const seen: string[] = [];
    const store = new CipheredSettingsStore({ backend, cipher, onSecret: (secret) => seen.push(secret) });
    assert.equal(store.encryptsSecrets, true);
    await store.save({ ...defaultSettings(), ngrokAuthtoken: TOKEN });

    const stored = backend.get(SETTINGS_KEY) as Record<string, unknown>;
    assert.equal(stored.ngrokAuthtoken, null);
    const encrypted = backend.get(ENCRYPTED_TOKEN_KEY);
    assert.equal(typeof encrypted, 'string');
    assert.ok(!JSON.stringify([...backend.data]).includes(TOKEN), 'the token is nowhere in plain text');

    const { settings, warnings } = await new CipheredSettingsStore({ backend, cipher }).load();
    assert.deepEqual(warnings, []);
    assert.equal(settings.ngrokAuthtoken, TOKEN);
    assert.deepEqual(seen, [TOKEN], 'the error log is told the secret');
  });

  test('a token that cannot be decrypted (another key) becomes null, with a warning, and is removed', async () => {
    const backend = new MemoryBackend();
    await new CipheredSettingsStore({ backend, cipher: new StandInCipher('old-key') }).save({
      ...defaultSettings(),
      ngrokAuthtoken: TOKEN,
    });
    const { settings, warnings } = await new CipheredSettingsStore({
      backend,
      cipher: new StandInCipher('new-key'),
    }).load();
    assert.equal(settings.ngrokAuthtoken, null);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      /could not be decrypted with the stand-in keychain.*paste the authtoken again/,
    );
    assert.ok(!warnings[0]!.includes(TOKEN));
    assert.equal(backend.get(ENCRYPTED_TOKEN_KEY), undefined);
  });

  test('corrupt cipher text: null and a warning, the other settings kept', async () => {
    const backend = new MemoryBackend();
    const saved = { ...defaultSettings(), apiKey: 'kept-key', ngrokAuthtoken: null };
    backend.set({ [SETTINGS_KEY]: saved, [ENCRYPTED_TOKEN_KEY]: '%%% not base64 at all' });
    const { settings, warnings } = await new CipheredSettingsStore({
      backend,
      cipher: new StandInCipher(),
    }).load();
    assert.equal(settings.ngrokAuthtoken, null);
    assert.equal(settings.apiKey, 'kept-key');
    assert.equal(warnings.length, 1);
    backend.set({ [ENCRYPTED_TOKEN_KEY]: 42 });
    const again = await new CipheredSettingsStore({ backend, cipher: new StandInCipher() }).load();
    assert.equal(again.settings.ngrokAuthtoken, null);
    assert.equal(again.warnings.length, 1);
  });

  test('an encrypted token while the keychain is locked: null for this run, kept for the next', async () => {
    const backend = new MemoryBackend();
    const cipher = new StandInCipher();
    await new CipheredSettingsStore({ backend, cipher }).save({
      ...defaultSettings(),
      ngrokAuthtoken: TOKEN,
    });
    cipher.available = false;
    const locked = new CipheredSettingsStore({ backend, cipher });
    const { settings, warnings } = await locked.load();
    assert.equal(settings.ngrokAuthtoken, null);
    assert.match(warnings[0]!, /the stand-in keychain is not available now\. It is kept/);
    // Saving another setting meanwhile must not lose the token.
    await locked.save({ ...settings, mirrorPort: 8000 });
    cipher.available = true;
    const unlocked = await new CipheredSettingsStore({ backend, cipher }).load();
    assert.equal(unlocked.settings.ngrokAuthtoken, TOKEN);
    assert.equal(unlocked.settings.mirrorPort, 8000);
    assert.deepEqual(unlocked.warnings, []);
  });

  test('plain mode: stored as is, and encryptsSecrets says false', async () => {
    const backend = new MemoryBackend();
    const cipher = new StandInCipher();
    cipher.available = false;
    const store = new CipheredSettingsStore({ backend, cipher });
    assert.equal(store.encryptsSecrets, false);
    await store.save({ ...defaultSettings(), ngrokAuthtoken: TOKEN });
    assert.equal((backend.get(SETTINGS_KEY) as Record<string, unknown>).ngrokAuthtoken, TOKEN);
    assert.equal(backend.get(ENCRYPTED_TOKEN_KEY), undefined);
    assert.equal(cipher.encryptions, 0);
    const { settings } = await new CipheredSettingsStore({ backend, cipher }).load();
    assert.equal(settings.ngrokAuthtoken, TOKEN);
  });

  test('a plain token is encrypted as soon as a keychain is available', async () => {
    const backend = new MemoryBackend();
    backend.set({ [SETTINGS_KEY]: { ...defaultSettings(), ngrokAuthtoken: TOKEN } });
    const cipher = new StandInCipher();
    const { settings, warnings } = await new CipheredSettingsStore({ backend, cipher }).load();
    assert.equal(settings.ngrokAuthtoken, TOKEN);
    assert.deepEqual(warnings, []);
    assert.equal((backend.get(SETTINGS_KEY) as Record<string, unknown>).ngrokAuthtoken, null);
    assert.equal(cipher.decrypt(backend.get(ENCRYPTED_TOKEN_KEY) as string), TOKEN);
  });

  test('forgetting the token removes the encrypted copy', async () => {
    const backend = new MemoryBackend();
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    await store.save({ ...defaultSettings(), ngrokAuthtoken: TOKEN });
    await store.save({ ...defaultSettings(), ngrokAuthtoken: null });
    assert.equal(backend.get(ENCRYPTED_TOKEN_KEY), undefined);
  });

  test('old settings are migrated (parseSettings) and invalid fields reset with a warning', async () => {
    const backend = new MemoryBackend();
    backend.set({ [SETTINGS_KEY]: { port: 9900, api_key: 'tutorial-key', tunnel: 'carrier-pigeon' } });
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    const { settings, warnings } = await store.load();
    assert.equal(settings.mirrorPort, 9900);
    assert.equal(settings.apiKey, 'tutorial-key');
    assert.equal(settings.tunnel, 'ngrok');
    assert.equal(warnings.length, 1);
    assert.equal((backend.get(SETTINGS_KEY) as Record<string, unknown>).version, 1, 'rewritten migrated');
  });

  test('warnings from opening the store come with the first load only', async () => {
    const store = new CipheredSettingsStore({
      backend: new MemoryBackend(),
      cipher: new StandInCipher(),
      openWarnings: ['The settings file could not be read.'],
    });
    assert.deepEqual((await store.load()).warnings, ['The settings file could not be read.']);
    assert.deepEqual((await store.load()).warnings, []);
  });

  test('clear forgets settings and token but keeps the window place', async () => {
    const backend = new MemoryBackend();
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    await store.save({ ...defaultSettings(), ngrokAuthtoken: TOKEN });
    store.saveWindowBounds({ x: 1, y: 2, width: 420, height: 720 });
    await store.clear();
    assert.equal(backend.get(SETTINGS_KEY), undefined);
    assert.equal(backend.get(ENCRYPTED_TOKEN_KEY), undefined);
    assert.deepEqual(store.windowBounds(), { x: 1, y: 2, width: 420, height: 720 });
    assert.deepEqual(backend.get(WINDOW_KEY), { x: 1, y: 2, width: 420, height: 720 });
  });

  test('on disk, through conf (the library electron-store is built on): no plain token in the file', async (t) => {
    const { default: Conf } = await import('conf');
    const cwd = await mkdtemp(join(tmpdir(), 'mirror-conf-'));
    t.after(() => rm(cwd, { recursive: true, force: true }));
    const conf = new Conf<Record<string, unknown>>({
      cwd,
      configName: 'settings',
      configFileMode: 0o600,
      accessPropertiesByDotNotation: false,
    });
    const backend: KeyValueBackend = {
      path: conf.path,
      get: (key) => conf.get(key),
      set: (values) => conf.set(values),
      delete: (key) => conf.delete(key),
    };
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    await store.save({ ...defaultSettings(), ngrokAuthtoken: TOKEN });
    const text = await readFile(conf.path, 'utf8');
    assert.ok(!text.includes(TOKEN));
    assert.match(text, new RegExp(ENCRYPTED_TOKEN_KEY));
    const { settings } = await new CipheredSettingsStore({ backend, cipher: new StandInCipher() }).load();
    assert.equal(settings.ngrokAuthtoken, TOKEN);
  });
});
