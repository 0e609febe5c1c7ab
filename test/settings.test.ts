import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { checkSetting, defaultSettings, isCidr, parseSettings } from '../server/settings';
import { defaultSettingsPath, FileSettingsStore } from '../server/settings-file';

const tempFile = async () => join(await mkdtemp(join(tmpdir(), 'mirror-settings-')), 'settings.json');

describe('settings schema', () => {
  test('defaults are valid and carry a generated API key', () => {
    const settings = defaultSettings();
    assert.equal(settings.mirrorPort, 7007);
    assert.equal(settings.profile, 'demo');
    assert.match(settings.apiKey, /^mirror-[\w-]{16}$/);
    assert.notEqual(defaultSettings().apiKey, settings.apiKey);
    assert.deepEqual(parseSettings(settings), { settings, warnings: [] });
  });

  test('an unversioned file is migrated from the tutorial names', () => {
    const { settings, warnings } = parseSettings({ port: 9900, api_key: 'api_key', profile: 'tutorial' });
    assert.deepEqual(warnings, []);
    assert.equal(settings.mirrorPort, 9900);
    assert.equal(settings.apiKey, 'api_key');
    assert.equal(settings.profile, 'tutorial');
    assert.equal(settings.version, 1);
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

  test('a file from a newer version is not trusted', () => {
    const { warnings } = parseSettings({ version: 99, mirrorPort: 1234 });
    assert.match(warnings[0]!, /newer version/);
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
    assert.equal(JSON.parse(await readFile(path, 'utf8')).version, 1);
  });

  test('a file from a newer app is kept aside, not overwritten', async () => {
    const path = await tempFile();
    const newer = JSON.stringify({ version: 2, apiKey: 'mirror-keepme', somethingNew: true });
    await writeFile(path, newer);
    const { settings, warnings } = await new FileSettingsStore(path).load();
    assert.notEqual(settings.apiKey, 'mirror-keepme');
    assert.match(warnings[0]!, /newer version of the app .*kept as .*from-newer-version-/);
    const backup = (await readdir(join(path, '..'))).find((f) => f.includes('from-newer-version-'));
    assert.equal(await readFile(join(path, '..', backup!), 'utf8'), newer);
  });

  test('a folder it cannot write to: defaults and a warning, never a throw', async () => {
    const notAFolder = join(await tempFile(), '..', 'plain-file');
    await writeFile(notAFolder, 'x');
    const { settings, warnings } = await new FileSettingsStore(join(notAFolder, 'settings.json')).load();
    assert.equal(settings.mirrorPort, 7007);
    assert.match(warnings[0]!, /plain-file.*(using defaults|changes last only this run)/);
  });

  test('saves at the same moment do not collide', async () => {
    const store = new FileSettingsStore(await tempFile());
    await Promise.all(
      [7001, 7002, 7003].map((mirrorPort) => store.save({ ...defaultSettings(), mirrorPort })),
    );
    assert.ok([7001, 7002, 7003].includes((await store.load()).settings.mirrorPort));
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
