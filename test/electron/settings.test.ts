import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  CipheredSettingsStore,
  ENCRYPTED_TOKEN_KEY,
  type KeyValueBackend,
  keepFileCopy,
  SETTINGS_KEY,
  type SecretCipher,
  WINDOW_KEY,
} from '../../electron/secret-settings';
import { defaultSettings, SETTINGS_VERSION } from '../../server/settings/settings';
import { fillUp, tinyDisk } from '../settings/full-disk';

/** A KeyValueBackend on `conf` (the library electron-store is built on), as electron/settings.ts makes one. */
function confBackend(conf: import('conf').default<Record<string, unknown>>): KeyValueBackend {
  return {
    path: conf.path,
    get: (key) => conf.get(key),
    set: (values) => conf.set(values),
    delete: (key) => conf.delete(key),
    keepCopy: (reason) => keepFileCopy(conf.path, reason),
  };
}

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
  readonly copies = new Map<string, Map<string, unknown>>();
  keepCopy(reason: string) {
    const name = `${this.path}.${reason}-${this.copies.size}`;
    this.copies.set(name, structuredClone(this.data));
    return name;
  }
}

/**
 * The store on disk as the app has it: conf (what electron-store is built on) in a fresh folder, with
 * the same keepCopy as electron/settings.ts. `text` (what a newer app left) is written there first.
 */
async function onDisk(t: TestContext, text?: string, folder?: string) {
  const { default: Conf } = await import('conf');
  const cwd = folder ?? (await mkdtemp(join(tmpdir(), 'mirror-conf-')));
  if (!folder) t.after(() => rm(cwd, { recursive: true, force: true }));
  const path = join(cwd, 'settings.json');
  if (text !== undefined) await writeFile(path, text, { mode: 0o600 });
  const conf = new Conf<Record<string, unknown>>({
    cwd,
    configName: 'settings',
    configFileMode: 0o600,
    clearInvalidConfig: false,
    accessPropertiesByDotNotation: false,
  });
  assert.equal(conf.path, path);
  const backend = confBackend(conf);
  const files = async () => (await readdir(cwd)).sort();
  return { backend, path, cwd, files };
}

/** What a newer version of the app might leave: a settings version above ours, its own token and keys. */
const newerFile = () =>
  `${JSON.stringify(
    {
      [SETTINGS_KEY]: {
        version: SETTINGS_VERSION + 1,
        apiKey: 'mirror-keepme',
        mirrorPort: 9999,
        somethingNew: true,
      },
      [ENCRYPTED_TOKEN_KEY]: new StandInCipher().encrypt(TOKEN),
      [WINDOW_KEY]: { x: 5, y: 5, width: 400, height: 700 },
      somethingElseNew: [1, 2, 3],
    },
    null,
    '\t',
  )}\n`;

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
    assert.equal(
      (backend.get(SETTINGS_KEY) as Record<string, unknown>).version,
      SETTINGS_VERSION,
      'rewritten migrated',
    );
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
    const backend = confBackend(conf);
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    await store.save({ ...defaultSettings(), ngrokAuthtoken: TOKEN });
    const text = await readFile(conf.path, 'utf8');
    assert.ok(!text.includes(TOKEN));
    assert.match(text, new RegExp(ENCRYPTED_TOKEN_KEY));
    const { settings } = await new CipheredSettingsStore({ backend, cipher: new StandInCipher() }).load();
    assert.equal(settings.ngrokAuthtoken, TOKEN);
  });
});

describe('desktop settings store: the real electron/settings.ts on disk', () => {
  test('the settings file is owner-only (mode 0600), read back from disk', async (t) => {
    // electron/settings.ts as the app runs it (electron-store over conf), with the stand-in Electron
    // (test/electron/stand-in-electron) giving it a temporary user-data folder, in a child process so
    // that the stand-in is loaded in place of 'electron' there only.
    const userData = await mkdtemp(join(tmpdir(), 'mirror-electron-store-'));
    t.after(() => rm(userData, { recursive: true, force: true }));
    const root = new URL('../../', import.meta.url);
    const script = [
      "import { app } from 'electron';",
      `app.setPath('userData', ${JSON.stringify(userData)});`,
      `const { createElectronSettingsStore } = await import(${JSON.stringify(new URL('electron/settings.ts', root).href)});`,
      'const store = createElectronSettingsStore();',
      'const { settings } = await store.load();',
      'await store.save(settings);',
      'process.stdout.write(store.location);',
    ].join('\n');
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const register = new URL('test/electron/stand-in-electron/register.mjs', root).href;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', register, '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: fileURLToPath(root), timeout: 20_000 },
    );
    assert.equal(stdout, join(userData, 'settings.json'), 'the store lives in the user-data folder');
    const mode = (await stat(stdout)).mode & 0o777;
    assert.equal(
      mode,
      0o600,
      `broken promise: the desktop settings file must be owner-only (0600), but on disk it is 0${mode.toString(8)}`,
    );
  });
});

describe('desktop settings store: settings from a newer version of the app', () => {
  test('load leaves the file as it is, run after run, and the run goes on defaults', async (t) => {
    const text = newerFile();
    const { backend, path, files } = await onDisk(t, text);
    for (const run of [1, 2]) {
      const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
      const { settings, warnings } = await store.load();
      assert.equal(await readFile(path, 'utf8'), text, `run ${run}: the file is byte for byte the same`);
      assert.equal(settings.mirrorPort, 7007, `run ${run}: defaults`);
      // Compared without printing: it would be the newer version's (made-up) authtoken.
      assert.ok(settings.ngrokAuthtoken === null, `run ${run}: not the newer version's token`);
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0]!,
        /newer version of the app \(settings version \d+\); using defaults\. .*settings\.json is left as it is: nothing is saved until you change a setting/,
      );
      assert.ok(!warnings[0]!.includes(TOKEN));
      assert.match(store.readOnlyReason ?? '', /newer version of the app/);
      // Moving the window meanwhile does not write to that file either.
      store.saveWindowBounds({ x: 1, y: 2, width: 420, height: 720 });
      assert.equal(await readFile(path, 'utf8'), text, `run ${run}: the file is byte for byte the same`);
      assert.deepEqual(await files(), ['settings.json'], `run ${run}: no file added`);
    }
  });

  test('the first save keeps a copy of the whole file aside (owner-only), then writes', async (t) => {
    const text = newerFile();
    const { backend, path, cwd, files } = await onDisk(t, text);
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    const { settings } = await store.load();
    await store.save({ ...settings, mirrorPort: 8000, ngrokAuthtoken: TOKEN });

    const names = await files();
    assert.equal(names.length, 2, `files: ${names.join(', ')}`);
    assert.equal(names[0], 'settings.json');
    assert.match(names[1]!, /^settings\.json\.from-newer-version-\d+$/);
    const copy = join(cwd, names[1]!);
    assert.equal(await readFile(copy, 'utf8'), text, 'the newer file is kept byte for byte');
    const written = await readFile(path, 'utf8');
    assert.ok(!written.includes(TOKEN), 'no plain token in the file');
    const stored = JSON.parse(written)[SETTINGS_KEY];
    assert.equal(stored.version, SETTINGS_VERSION);
    assert.equal(stored.mirrorPort, 8000);
    assert.equal(store.readOnlyReason, undefined);
    if (process.platform !== 'win32') {
      assert.equal((await stat(copy)).mode & 0o777, 0o600);
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    }
    // Later saves (and the window's place) write over our own settings only: no second copy.
    await store.save({ ...settings, mirrorPort: 8001 });
    store.saveWindowBounds({ x: 1, y: 2, width: 420, height: 720 });
    assert.equal((await files()).length, 2);
    assert.equal(JSON.parse(await readFile(path, 'utf8'))[SETTINGS_KEY].mirrorPort, 8001);
  });

  test('forgetting all settings keeps a copy of the newer file aside first', async (t) => {
    const text = newerFile();
    const { backend, path, cwd, files } = await onDisk(t, text);
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    await store.load();
    await store.clear();
    const names = await files();
    assert.equal(names.length, 2, `files: ${names.join(', ')}`);
    assert.match(names[1]!, /^settings\.json\.from-newer-version-\d+$/);
    assert.equal(await readFile(join(cwd, names[1]!), 'utf8'), text);
    const left = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(left[SETTINGS_KEY], undefined);
    assert.equal(left[ENCRYPTED_TOKEN_KEY], undefined);
  });

  test('a newer version that wrote the file while this one ran is copied aside before the save', async (t) => {
    const { backend, path, cwd, files } = await onDisk(t);
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    const { settings } = await store.load();
    const text = newerFile();
    await writeFile(path, text);
    await store.save({ ...settings, mirrorPort: 8000 });
    const names = await files();
    assert.equal(names.length, 2, `files: ${names.join(', ')}`);
    assert.equal(await readFile(join(cwd, names[1]!), 'utf8'), text);
    assert.equal(JSON.parse(await readFile(path, 'utf8'))[SETTINGS_KEY].mirrorPort, 8000);
  });

  test('on a real full disk (a tiny tmpfs): the save throws, the newer file is unchanged, nothing left', async (t) => {
    const disk = await tinyDisk(t);
    if (!disk) return;
    const text = newerFile();
    const { backend, path, files } = await onDisk(t, text, disk);
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    const { settings } = await store.load();
    await fillUp(disk);
    await assert.rejects(store.save({ ...settings, ngrokAuthtoken: TOKEN }), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.match(
        error.message,
        /^Could not save the settings to .*settings\.json: the disk is full \(ENOSPC\) while keeping a copy of the newer version's settings aside\. The file was not changed\.$/,
      );
      assert.ok(!error.message.includes(TOKEN), 'the message holds no authtoken');
      return true;
    });
    assert.equal(await readFile(path, 'utf8'), text);
    assert.deepEqual(await files(), ['filler', 'settings.json'], 'no half copy left');
    assert.match(store.readOnlyReason ?? '', /newer version/);
  });

  test('a plain save on a real full disk: a plain-words error, the old file intact, nothing left', async (t) => {
    const disk = await tinyDisk(t);
    if (!disk) return;
    const { backend, path, files } = await onDisk(t, undefined, disk);
    const store = new CipheredSettingsStore({ backend, cipher: new StandInCipher() });
    const { settings } = await store.load();
    const before = await readFile(path, 'utf8');
    await fillUp(disk);
    await assert.rejects(
      store.save({ ...settings, mirrorPort: 8000, ngrokAuthtoken: TOKEN }),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(
          error.message,
          /^Could not save the settings to .*settings\.json: the disk is full \(ENOSPC\) while writing the file\. It was not changed\.$/,
        );
        assert.ok(!error.message.includes(TOKEN), 'the message holds no authtoken');
        return true;
      },
    );
    assert.equal(await readFile(path, 'utf8'), before);
    assert.deepEqual(await files(), ['filler', 'settings.json'], 'no temporary file left');
  });

  test('if the copy cannot be made, nothing is written (injected ENOSPC)', async (t) => {
    // This stands in for a full disk wherever a real one cannot be made (not root, no mount, not Linux).
    const text = newerFile();
    const { backend, path, files } = await onDisk(t, text);
    const failing: KeyValueBackend = {
      ...backend,
      keepCopy: () => {
        throw Object.assign(new Error('ENOSPC: no space left on device, copyfile'), { code: 'ENOSPC' });
      },
    };
    const store = new CipheredSettingsStore({ backend: failing, cipher: new StandInCipher() });
    const { settings } = await store.load();
    for (const attempt of [() => store.save({ ...settings, ngrokAuthtoken: TOKEN }), () => store.clear()]) {
      await assert.rejects(attempt(), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(
          error.message,
          /the disk is full \(ENOSPC\) while keeping a copy of the newer version's settings aside/,
        );
        assert.ok(!error.message.includes(TOKEN), 'the message holds no authtoken');
        return true;
      });
    }
    assert.equal(await readFile(path, 'utf8'), text);
    assert.deepEqual(await files(), ['settings.json']);
  });
});
