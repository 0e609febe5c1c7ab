// The data source's secret options (a Prometheus bearer token or password) in the desktop store:
// encrypted like the ngrok authtoken, never in the settings in plain text while a keychain exists.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CipheredSettingsStore,
  ENCRYPTED_SOURCE_SECRETS_KEY,
  type KeyValueBackend,
  SETTINGS_KEY,
  type SecretCipher,
} from '../../electron/secret-settings';
import { defaultSettings, type Settings } from '../../server/settings/settings';

const PASSWORD = 'pa55-w0rd-for-prometheus';
const BEARER = 'bearer-token-0123456789';

/** Base64 with a marker: only shows what was encrypted and when (Electron's safeStorage is not here). */
class StandInCipher implements SecretCipher {
  readonly name = 'the stand-in keychain';
  available = true;
  isAvailable() {
    return this.available;
  }
  encrypt(plainText: string) {
    return Buffer.from(`ok:${plainText}`).toString('base64').split('').reverse().join('');
  }
  decrypt(cipherText: string) {
    const plain = Buffer.from(cipherText.split('').reverse().join(''), 'base64').toString();
    if (!plain.startsWith('ok:')) throw new Error('cannot decrypt');
    return plain.slice(3);
  }
}

class MemoryBackend implements KeyValueBackend {
  readonly path = '/stand-in/settings.json';
  readonly data = new Map<string, unknown>();
  get(key: string) {
    const value = this.data.get(key);
    return value === undefined ? undefined : structuredClone(value);
  }
  set(values: Record<string, unknown>) {
    for (const [key, value] of Object.entries(values)) this.data.set(key, structuredClone(value));
  }
  delete(key: string) {
    this.data.delete(key);
  }
  keepCopy(reason: string) {
    return `${this.path}.${reason}`;
  }
}

const withPrometheus = (extra: Record<string, string>): Settings => ({
  ...defaultSettings(),
  dataSource: { kind: 'prometheus', url: 'http://127.0.0.1:9090', username: 'me', ...extra },
});

describe('desktop settings store: data-source secrets', () => {
  test('secret options are encrypted on save and merged back on load; open ones stay plain', async () => {
    const backend = new MemoryBackend();
    const cipher = new StandInCipher();
    const seen: string[] = [];
    await new CipheredSettingsStore({ backend, cipher }).save(
      withPrometheus({ password: PASSWORD, bearerToken: BEARER }),
    );
    const stored = backend.get(SETTINGS_KEY) as Settings;
    assert.deepEqual(stored.dataSource, { kind: 'prometheus', url: 'http://127.0.0.1:9090', username: 'me' });
    assert.equal(typeof backend.get(ENCRYPTED_SOURCE_SECRETS_KEY), 'string');
    const everything = JSON.stringify([...backend.data]);
    assert.ok(!everything.includes(PASSWORD) && !everything.includes(BEARER), 'no secret in plain text');
    const { settings, warnings } = await new CipheredSettingsStore({
      backend,
      cipher,
      onSecret: (secret) => seen.push(secret),
    }).load();
    assert.deepEqual(warnings, []);
    assert.deepEqual(
      settings.dataSource,
      withPrometheus({ password: PASSWORD, bearerToken: BEARER }).dataSource,
    );
    assert.ok(seen.includes(PASSWORD) && seen.includes(BEARER), 'the error log is told the secrets');
  });

  test('a secret header’s value is told to the error log by itself, not only as the whole option', async () => {
    const backend = new MemoryBackend();
    const cipher = new StandInCipher();
    const headers = 'X-Scope-OrgID: tenant-secret-1;; X-Api-Key: key-secret-2';
    await new CipheredSettingsStore({ backend, cipher }).save(withPrometheus({ secretHeaders: headers }));
    const seen: string[] = [];
    await new CipheredSettingsStore({ backend, cipher, onSecret: (secret) => seen.push(secret) }).load();
    for (const value of ['tenant-secret-1', 'key-secret-2']) {
      assert.ok(
        seen.includes(value),
        `the error log was not told the header value ${value.replace(/secret/, '<s>')}, so it would not scrub it`,
      );
    }
  });

  test('a locked keychain keeps them for the next run; another kind removes them', async () => {
    const backend = new MemoryBackend();
    const cipher = new StandInCipher();
    await new CipheredSettingsStore({ backend, cipher }).save(withPrometheus({ password: PASSWORD }));
    cipher.available = false;
    const locked = new CipheredSettingsStore({ backend, cipher });
    const during = await locked.load();
    assert.equal(during.settings.dataSource.password, undefined);
    assert.match(
      during.warnings[0] ?? '',
      /credentials are encrypted, but the stand-in keychain is not available/,
    );
    await locked.save({ ...during.settings, mirrorPort: 8000 });
    cipher.available = true;
    const after = await new CipheredSettingsStore({ backend, cipher }).load();
    assert.equal(after.settings.dataSource.password, PASSWORD);
    assert.equal(after.settings.mirrorPort, 8000);
    const store = new CipheredSettingsStore({ backend, cipher });
    await store.load();
    await store.save({ ...after.settings, dataSource: { kind: 'demo' } });
    assert.equal(backend.get(ENCRYPTED_SOURCE_SECRETS_KEY), undefined);
  });

  test('plain secrets (saved without a keychain) are encrypted once one is available', async () => {
    const backend = new MemoryBackend();
    const cipher = new StandInCipher();
    cipher.available = false;
    await new CipheredSettingsStore({ backend, cipher }).save(withPrometheus({ bearerToken: BEARER }));
    assert.equal((backend.get(SETTINGS_KEY) as Settings).dataSource.bearerToken, BEARER);
    cipher.available = true;
    const { settings } = await new CipheredSettingsStore({ backend, cipher }).load();
    assert.equal(settings.dataSource.bearerToken, BEARER);
    assert.ok(!JSON.stringify([...backend.data]).includes(BEARER));
  });

  test('cipher text that cannot be read: dropped with a warning, the rest kept', async () => {
    const backend = new MemoryBackend();
    const cipher = new StandInCipher();
    await new CipheredSettingsStore({ backend, cipher }).save(withPrometheus({ password: PASSWORD }));
    backend.set({ [ENCRYPTED_SOURCE_SECRETS_KEY]: 'garbage' });
    const { settings, warnings } = await new CipheredSettingsStore({ backend, cipher }).load();
    assert.equal(settings.dataSource.password, undefined);
    assert.equal(settings.dataSource.url, 'http://127.0.0.1:9090');
    assert.match(warnings[0] ?? '', /could not be decrypted/);
    assert.equal(backend.get(ENCRYPTED_SOURCE_SECRETS_KEY), undefined);
  });
});
