import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { defaultSettingsPath, FileSettingsStore } from '../../server/settings/file-store';
import {
  checkSetting,
  defaultSettings,
  isCidr,
  parseSettings,
  SETTINGS_VERSION,
} from '../../server/settings/settings';
import { fillUp, tinyDisk } from './full-disk';

const tempFile = async () => join(await mkdtemp(join(tmpdir(), 'mirror-settings-')), 'settings.json');

/** A made-up authtoken: it must never show up in an error message. */
const TOKEN = '2fakeTOKENfor_tests_0123456789abcdefABCDEF';

/** What a newer version of the app might write: a higher version and fields this one does not know. */
const NEWER_FILE = `${JSON.stringify({ version: SETTINGS_VERSION + 1, apiKey: 'mirror-keepme', somethingNew: { a: 1 } }, null, 2)}\n`;

const isPosix = process.platform !== 'win32';
const modeOf = async (path: string) => (await stat(path)).mode & 0o777;
const filesBeside = async (path: string) => (await readdir(dirname(path))).sort();

/** An error like the ones node:fs throws, for the injected file-system calls. */
const fsError = (code: string, syscall: string, path: string) =>
  Object.assign(new Error(`${code}: injected failure, ${syscall} '${path}'`), { code, syscall, path });

/** The error a save fails with (the test fails if it does not), so the disk is looked at first. */
const rejection = async (promise: Promise<unknown>): Promise<unknown> => {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the save did not fail');
};

/** Checks a failed save's error: plain words, where, what; no setting value in it. */
const saveFailure =
  (location: string, says: RegExp) =>
  (error: unknown): boolean => {
    assert.ok(error instanceof Error);
    assert.match(error.message, /^Could not save the settings to /);
    assert.ok(error.message.includes(location), 'the message names the settings file');
    assert.match(error.message, says);
    assert.ok(!error.message.includes(TOKEN), 'the message holds no authtoken');
    assert.ok(!error.message.includes('mirror-keepme'), 'the message holds no API key');
    return true;
  };

describe('settings schema', () => {
  test('defaults are valid and carry a generated API key', () => {
    const settings = defaultSettings();
    assert.equal(settings.mirrorPort, 7007);
    assert.deepEqual(settings.dataSource, { kind: 'demo' });
    assert.equal(settings.requestTimeoutSeconds, 12);
    assert.match(settings.apiKey, /^mirror-[\w-]{16}$/);
    assert.notEqual(defaultSettings().apiKey, settings.apiKey);
    assert.deepEqual(parseSettings(settings), { settings, warnings: [] });
  });

  test('an unversioned file is migrated from the tutorial names', () => {
    const { settings, warnings } = parseSettings({ port: 9900, api_key: 'api_key', profile: 'tutorial' });
    assert.deepEqual(warnings, []);
    assert.equal(settings.mirrorPort, 9900);
    assert.equal(settings.apiKey, 'api_key');
    assert.deepEqual(settings.dataSource, { kind: 'tutorial' });
    assert.equal(settings.version, 2);
  });

  test('a version 1 file: its profile becomes the data source, and everything else is kept', () => {
    const saved = {
      version: 1,
      mirrorPort: 7010,
      mirrorHost: '127.0.0.1',
      apiKey: 'mirror-kept',
      profile: 'tutorial',
      tunnel: 'none',
      ngrokAuthtoken: null,
      ngrokDomain: 'me.ngrok-free.app',
      allowCidrs: ['203.0.113.0/24'],
    };
    const { settings, warnings } = parseSettings(saved);
    assert.deepEqual(warnings, []);
    assert.deepEqual(settings, {
      version: 2,
      mirrorPort: 7010,
      mirrorHost: '127.0.0.1',
      apiKey: 'mirror-kept',
      dataSource: { kind: 'tutorial' },
      requestTimeoutSeconds: 12,
      tunnel: 'none',
      ngrokAuthtoken: null,
      ngrokDomain: 'me.ngrok-free.app',
      allowCidrs: ['203.0.113.0/24'],
    });
  });

  test('a version 1 file with a profile no kind has: the default data source, with a warning', () => {
    const { settings, warnings } = parseSettings({ version: 1, profile: 'production' });
    assert.deepEqual(settings.dataSource, { kind: 'demo' });
    assert.deepEqual(warnings, [
      'Setting "dataSource" must be one of demo, tutorial, prometheus, upstream; using the default.',
    ]);
  });

  test('invalid fields are reset one by one, with a warning that does not echo the value', () => {
    const { settings, warnings } = parseSettings({
      version: 1,
      mirrorPort: 70000,
      apiKey: 'kept-key',
      ngrokAuthtoken: 'has spaces, so not a token',
      allowCidrs: ['10.0.0.0/8', 'nonsense'],
    });
    assert.equal(settings.mirrorPort, 7007);
    assert.equal(settings.apiKey, 'kept-key');
    assert.equal(settings.ngrokAuthtoken, null);
    assert.deepEqual(settings.allowCidrs, []);
    assert.equal(warnings.length, 3);
    assert.ok(warnings.every((w) => !w.includes('has spaces')));
  });

  test('a file from a newer version is not trusted, and says so for the stores to keep it', () => {
    const { settings, warnings, fromNewerVersion } = parseSettings({ version: 99, mirrorPort: 1234 });
    assert.match(warnings[0]!, /newer version of the app \(settings version 99\); using defaults/);
    assert.equal(settings.mirrorPort, 7007);
    assert.equal(fromNewerVersion, 99);
    assert.equal(parseSettings({ version: 1 }).fromNewerVersion, undefined);
  });

  test('checkSetting and isCidr', () => {
    assert.equal(checkSetting('mirrorPort', 0), null);
    assert.match(checkSetting('mirrorPort', '7007') ?? '', /port/);
    assert.match(checkSetting('secret', 1) ?? '', /not a setting/);
    assert.ok(isCidr('203.0.113.0/24'));
    assert.ok(isCidr('2001:db8::/32'));
    assert.ok(!isCidr('300.1.1.1/8'));
    assert.ok(!isCidr('10.0.0.0'));
  });
});

describe('FileSettingsStore', () => {
  test('first run writes the defaults with owner-only permissions, and the API key survives a reload', async () => {
    const path = await tempFile();
    const store = new FileSettingsStore(path);
    const first = await store.load();
    assert.deepEqual(first.warnings, []);
    if (process.platform !== 'win32') assert.equal((await stat(path)).mode & 0o777, 0o600);
    const second = await store.load();
    assert.equal(second.settings.apiKey, first.settings.apiKey);
  });

  test('a version 1 file on disk is rewritten as version 2, its profile now the data source', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirror-settings-'));
    const path = join(dir, 'settings.json');
    await writeFile(path, JSON.stringify({ version: 1, apiKey: 'mirror-kept', profile: 'tutorial' }));
    const { settings, warnings } = await new FileSettingsStore(path).load();
    assert.deepEqual(warnings, []);
    assert.deepEqual(settings.dataSource, { kind: 'tutorial' });
    const onDisk = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(onDisk.version, 2);
    assert.deepEqual(onDisk.dataSource, { kind: 'tutorial' });
    assert.equal(onDisk.apiKey, 'mirror-kept', 'the API key pasted into StackState survives the migration');
    assert.equal('profile' in onDisk, false);
  });

  test('a corrupt file is kept aside and replaced by defaults, with a message', async () => {
    const path = await tempFile();
    await writeFile(path, '{ "mirrorPort": 7007,,, oops');
    const { settings, warnings } = await new FileSettingsStore(path).load();
    assert.equal(settings.mirrorPort, 7007);
    assert.match(warnings[0]!, /not valid JSON\. It was kept as .*corrupt-/);
    const files = await readdir(join(path, '..'));
    const backup = files.find((f) => f.includes('corrupt-'));
    assert.ok(backup);
    assert.equal(await readFile(join(path, '..', backup), 'utf8'), '{ "mirrorPort": 7007,,, oops');
    assert.equal(JSON.parse(await readFile(path, 'utf8')).version, SETTINGS_VERSION);
  });

  test('a file from a newer app is left as it is: defaults in memory, nothing written, run after run', async () => {
    const path = await tempFile();
    await writeFile(path, NEWER_FILE, { mode: 0o600 });
    for (const run of [1, 2]) {
      const store = new FileSettingsStore(path);
      const { settings, warnings } = await store.load();
      assert.notEqual(settings.apiKey, 'mirror-keepme', `run ${run}: defaults, not the newer file's values`);
      assert.equal(warnings.length, 1);
      assert.match(
        warnings[0]!,
        /newer version of the app \(settings version \d+\); using defaults\. .*settings\.json is left as it is: nothing is saved until you change a setting/,
      );
      assert.match(store.readOnlyReason ?? '', /newer version of the app/);
      assert.deepEqual(await filesBeside(path), ['settings.json'], `run ${run}: nothing set aside or added`);
      assert.equal(await readFile(path, 'utf8'), NEWER_FILE, `run ${run}: the newer file is unchanged`);
    }
  });

  test('the first save after that keeps the newer file aside (owner-only), then writes ours', async () => {
    const path = await tempFile();
    await writeFile(path, NEWER_FILE, { mode: 0o600 });
    const store = new FileSettingsStore(path);
    const { settings } = await store.load();
    assert.deepEqual(await filesBeside(path), ['settings.json']);

    await store.save({ ...settings, mirrorPort: 8000, ngrokAuthtoken: TOKEN });
    const files = await filesBeside(path);
    assert.equal(files.length, 2, `files: ${files.join(', ')}`);
    assert.equal(files[0], 'settings.json');
    assert.match(files[1]!, /^settings\.json\.from-newer-version-\d+$/);
    const aside = join(dirname(path), files[1]!);
    assert.equal(await readFile(aside, 'utf8'), NEWER_FILE, 'the newer file is kept byte for byte');
    const ours = JSON.parse(await readFile(path, 'utf8'));
    assert.equal(ours.version, SETTINGS_VERSION);
    assert.equal(ours.mirrorPort, 8000);
    assert.equal(store.readOnlyReason, undefined);
    if (isPosix) {
      assert.equal(await modeOf(aside), 0o600);
      assert.equal(await modeOf(path), 0o600);
    }

    // Later saves write over our own file only: no second copy.
    await store.save({ ...settings, mirrorPort: 8001 });
    assert.equal((await filesBeside(path)).length, 2);
    assert.equal(await readFile(aside, 'utf8'), NEWER_FILE);
  });

  test('keeping a newer file aside never overwrites an earlier copy with the same name', async (t) => {
    t.mock.timers.enable({ apis: ['Date'], now: 1_700_000_000_000 });
    const path = await tempFile();
    const earlier = `${path}.from-newer-version-1700000000000`;
    await writeFile(earlier, 'an earlier copy\n');
    await writeFile(path, NEWER_FILE);
    const store = new FileSettingsStore(path);
    await store.load();
    await store.save(defaultSettings());
    assert.deepEqual(await filesBeside(path), [
      'settings.json',
      'settings.json.from-newer-version-1700000000000',
      'settings.json.from-newer-version-1700000000000-1',
    ]);
    assert.equal(await readFile(earlier, 'utf8'), 'an earlier copy\n');
    assert.equal(await readFile(`${earlier}-1`, 'utf8'), NEWER_FILE);
  });

  test('a newer file written while this version runs is kept aside by save and by clear', async () => {
    for (const action of ['save', 'clear'] as const) {
      const path = await tempFile();
      const store = new FileSettingsStore(path);
      const { settings } = await store.load();
      await writeFile(path, NEWER_FILE, { mode: 0o600 }); // the newer app ran meanwhile
      if (action === 'save') await store.save({ ...settings, mirrorPort: 8000 });
      else await store.clear();
      const files = await filesBeside(path);
      const aside = files.find((f) => /^settings\.json\.from-newer-version-\d+$/.test(f));
      assert.ok(aside, `${action}: the newer file was kept aside (files: ${files.join(', ')})`);
      assert.equal(await readFile(join(dirname(path), aside), 'utf8'), NEWER_FILE);
      assert.deepEqual(files, action === 'save' ? ['settings.json', aside] : [aside]);
    }
  });

  test('forgetting all settings keeps a newer file aside instead of deleting it', async () => {
    const path = await tempFile();
    await writeFile(path, NEWER_FILE, { mode: 0o600 });
    const store = new FileSettingsStore(path);
    await store.load();
    assert.deepEqual(await filesBeside(path), ['settings.json'], 'load left the newer file in place');
    await store.clear();
    const files = await filesBeside(path);
    assert.equal(files.length, 1, `files: ${files.join(', ')}`);
    assert.match(files[0]!, /^settings\.json\.from-newer-version-\d+$/);
    assert.equal(await readFile(join(dirname(path), files[0]!), 'utf8'), NEWER_FILE);
    // What the session does next: load, which starts afresh with saved defaults.
    const { warnings } = await store.load();
    assert.deepEqual(warnings, []);
    assert.equal(JSON.parse(await readFile(path, 'utf8')).version, SETTINGS_VERSION);
    assert.equal(store.readOnlyReason, undefined);
  });

  test('a folder it cannot write to: defaults and a warning, never a throw', async () => {
    const notAFolder = join(await tempFile(), '..', 'plain-file');
    await writeFile(notAFolder, 'x');
    const { settings, warnings } = await new FileSettingsStore(join(notAFolder, 'settings.json')).load();
    assert.equal(settings.mirrorPort, 7007);
    assert.match(warnings[0]!, /plain-file.*(using defaults|changes last only this run)/);
  });

  test('saves at the same moment do not collide', async () => {
    const path = await tempFile();
    const store = new FileSettingsStore(path);
    await Promise.all(
      [7001, 7002, 7003].map((mirrorPort) => store.save({ ...defaultSettings(), mirrorPort })),
    );
    assert.ok([7001, 7002, 7003].includes((await store.load()).settings.mirrorPort));
    assert.deepEqual(await filesBeside(path), ['settings.json'], 'no temporary file left');
  });

  test('save then clear', async () => {
    const path = await tempFile();
    const store = new FileSettingsStore(path);
    await store.save({ ...defaultSettings(), mirrorPort: 8000 });
    assert.equal((await store.load()).settings.mirrorPort, 8000);
    await store.clear();
    assert.equal((await store.load()).settings.mirrorPort, 7007);
  });

  test('the default path follows each platform', () => {
    assert.match(
      defaultSettingsPath({ XDG_CONFIG_HOME: '/cfg' }, 'linux'),
      /^\/cfg\/stackstate-mirror-tray\//,
    );
    assert.match(defaultSettingsPath({ APPDATA: 'C:\\AppData' }, 'win32'), /AppData.*stackstate-mirror-tray/);
    assert.match(defaultSettingsPath({}, 'darwin'), /Library\/Application Support\/stackstate-mirror-tray/);
  });
});

describe('FileSettingsStore: a failed save', () => {
  /** A store with a valid saved file (holding a token) to be kept intact by a failing save. */
  const withSavedFile = async (path: string, store = new FileSettingsStore(path)) => {
    await store.save({ ...defaultSettings(), mirrorPort: 8123, ngrokAuthtoken: TOKEN });
    return readFile(path, 'utf8');
  };
  const intact = async (path: string, before: string) => {
    // Compared without printing: the file holds the (made-up) authtoken.
    assert.ok((await readFile(path, 'utf8')) === before, 'the settings file is unchanged');
    assert.equal(JSON.parse(before).mirrorPort, 8123, 'and still valid');
    if (isPosix) assert.equal(await modeOf(path), 0o600);
  };

  test('on a real full disk (a tiny tmpfs): throws, the old file intact, no temporary file', async (t) => {
    const disk = await tinyDisk(t);
    if (!disk) return;
    const path = join(disk, 'settings.json');
    const store = new FileSettingsStore(path);
    const before = await withSavedFile(path, store);
    await fillUp(disk);
    const error = await rejection(
      store.save({ ...defaultSettings(), mirrorPort: 9000, ngrokAuthtoken: TOKEN }),
    );
    await intact(path, before);
    assert.deepEqual(await filesBeside(path), ['filler', 'settings.json']);
    // Then the message: plain words, where and what, no value.
    saveFailure(path, /the disk is full \(ENOSPC\) while writing a temporary file beside it/)(error);
  });

  test('on a real full disk, a newer file stays in place and no half copy of it is left', async (t) => {
    const disk = await tinyDisk(t);
    if (!disk) return;
    const path = join(disk, 'settings.json');
    await writeFile(path, NEWER_FILE, { mode: 0o600 });
    const store = new FileSettingsStore(path);
    await store.load();
    // Leave room for one small file (one page, freed from `reserve`) and no more: our temporary file
    // fits, and the copy of the newer file aside is what hits the full disk.
    await writeFile(join(disk, 'reserve'), 'x');
    await fillUp(disk);
    await rm(join(disk, 'reserve'));
    const error = await rejection(store.save({ ...defaultSettings(), ngrokAuthtoken: TOKEN }));
    assert.equal(await readFile(path, 'utf8'), NEWER_FILE);
    assert.deepEqual(await filesBeside(path), ['filler', 'settings.json']);
    assert.match(store.readOnlyReason ?? '', /newer version/, 'still running on defaults in memory');
    // Then the message: plain words, where and what, no value.
    saveFailure(
      path,
      /the disk is full \(ENOSPC\) while keeping the newer version's settings file aside/,
    )(error);
  });

  test('ENOSPC while writing (injected): the half-written temporary file is removed', async () => {
    // This stands in for a full disk wherever a real one cannot be made (not root, no mount, not Linux):
    // like a real full disk, it creates the temporary file, writes part of it, then fails with ENOSPC.
    const path = await tempFile();
    const before = await withSavedFile(path);
    const store = new FileSettingsStore(path, {
      fs: {
        writeFile: async (file, data, options) => {
          await writeFile(String(file), String(data).slice(0, 10), options);
          throw fsError('ENOSPC', 'write', String(file));
        },
      },
    });
    const error = await rejection(
      store.save({ ...defaultSettings(), mirrorPort: 9000, ngrokAuthtoken: TOKEN }),
    );
    await intact(path, before);
    assert.deepEqual(await filesBeside(path), ['settings.json']);
    // Then the message: plain words, where and what, no value.
    saveFailure(path, /the disk is full \(ENOSPC\) while writing a temporary file beside it/)(error);
  });

  test('a folder it may not write to (EACCES)', async (t) => {
    const path = await tempFile();
    const before = await withSavedFile(path);
    const folder = dirname(path);
    let store = new FileSettingsStore(path);
    if (!isPosix || process.getuid?.() === 0) {
      // Root writes through chmod 0500 (and Windows ignores it): inject what open() says to anyone else.
      t.diagnostic(
        'running as root (or on Windows), where a read-only folder does not stop writes: EACCES is injected',
      );
      store = new FileSettingsStore(path, {
        fs: {
          writeFile: async (file) => {
            throw fsError('EACCES', 'open', String(file));
          },
        },
      });
    } else {
      await chmod(folder, 0o500);
      t.after(() => chmod(folder, 0o700));
    }
    const error = await rejection(
      store.save({ ...defaultSettings(), mirrorPort: 9000, ngrokAuthtoken: TOKEN }),
    );
    await chmod(folder, 0o700);
    await intact(path, before);
    assert.deepEqual(await filesBeside(path), ['settings.json']);
    // Then the message: plain words, where and what, no value.
    saveFailure(path, /permission was denied \(EACCES\) while writing a temporary file beside it/)(error);
  });

  test('chmod fails (injected): the temporary file is removed', async () => {
    const path = await tempFile();
    const before = await withSavedFile(path);
    const store = new FileSettingsStore(path, {
      fs: {
        chmod: async (file) => {
          throw fsError('EPERM', 'chmod', String(file));
        },
      },
    });
    const error = await rejection(store.save({ ...defaultSettings(), ngrokAuthtoken: TOKEN }));
    await intact(path, before);
    assert.deepEqual(await filesBeside(path), ['settings.json']);
    // Then the message: plain words, where and what, no value.
    saveFailure(
      path,
      /not permitted \(EPERM\) while making the temporary file readable by its owner only/,
    )(error);
  });

  test('rename fails for real (a folder is where the file should be): the temporary file is removed', async () => {
    const path = await tempFile();
    await mkdir(path);
    await writeFile(join(path, 'something'), 'x');
    const error = await rejection(
      new FileSettingsStore(path).save({ ...defaultSettings(), ngrokAuthtoken: TOKEN }),
    );
    assert.deepEqual(await filesBeside(path), ['settings.json'], 'no temporary file beside it');
    assert.deepEqual(await readdir(path), ['something']);
    // Then the message: plain words, where and what, no value.
    saveFailure(path, /while putting the new file in place of the old one/)(error);
  });
});
