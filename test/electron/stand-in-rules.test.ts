// StandInElectron itself: it must refuse what Electron 41 refuses, with Electron's own messages
// (each rule cites its Electron source in test/electron/stand-in-electron/), or the suites that
// run the app under it would let ordering bugs through to a real machine.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const REGISTER = pathToFileURL(join(ROOT, 'test/electron/stand-in-electron/register.mjs')).href;

/** Runs the probe under the stand-in; returns each step's value or the message it threw. */
function probe(
  args: string[],
  env: Record<string, string>,
): Map<string, { value?: unknown; threw?: string }> {
  const run = spawnSync(
    process.execPath,
    ['--import', REGISTER, join(ROOT, 'test/electron/fixtures/stand-in-probe.mjs'), ...args],
    { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 20_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  const steps = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    name: string;
    value?: unknown;
    threw?: string;
  }[];
  return new Map(steps.map(({ name, ...rest }) => [name, rest]));
}

describe('StandInElectron refuses what Electron refuses', () => {
  test("before 'ready': no BrowserWindow, Tray, Notification or screen; safeStorage unavailable; enableSandbox allowed", () => {
    const steps = probe(['--no-sandbox'], { STAND_IN_SAFE_STORAGE: 'gnome_libsecret' });
    assert.deepEqual(steps.get('before ready: new BrowserWindow'), {
      threw: 'Cannot create BrowserWindow before app is ready',
    });
    assert.deepEqual(steps.get('before ready: new Tray'), {
      threw: 'Cannot create Tray before app is ready',
    });
    assert.deepEqual(steps.get('before ready: new Notification'), {
      threw: 'Cannot create Notification before app is ready',
    });
    assert.deepEqual(steps.get('before ready: screen.getAllDisplays'), {
      threw: "The 'screen' module can't be used before the app 'ready' event",
    });
    assert.deepEqual(steps.get('before ready: safeStorage.isEncryptionAvailable'), { value: false });
    assert.deepEqual(steps.get('before ready: safeStorage.getSelectedStorageBackend'), { value: 'unknown' });
    assert.deepEqual(steps.get('before ready: safeStorage.encryptString'), {
      threw: 'safeStorage cannot be used before app is ready',
    });
    assert.deepEqual(steps.get('command line has --no-sandbox'), { value: true });
    assert.deepEqual(steps.get('before ready: enableSandbox'), { value: null });
    assert.deepEqual(
      steps.get('after enableSandbox: --no-sandbox'),
      { value: false },
      'enableSandbox drops the switch',
    );
  });

  test("after 'ready': the windows and the tray are allowed, enableSandbox is not", () => {
    const steps = probe([], { STAND_IN_SAFE_STORAGE: 'kwallet5' });
    for (const name of ['new BrowserWindow', 'new Tray', 'new Notification'])
      assert.deepEqual(steps.get(`after ready: ${name}`), { value: null }, name);
    assert.deepEqual(steps.get('after ready: screen.getAllDisplays'), { value: 1 });
    assert.deepEqual(steps.get('after ready: enableSandbox'), {
      threw: 'app.enableSandbox() can only be called before app is ready',
    });
    assert.deepEqual(steps.get('after ready: safeStorage.getSelectedStorageBackend'), { value: 'kwallet5' });
    assert.deepEqual(steps.get('after ready: safeStorage.isEncryptionAvailable'), { value: true });
  });

  test('safeStorage with basic_text: not available (a fixed key) unless plain-text encryption is allowed', () => {
    const steps = probe([], { STAND_IN_SAFE_STORAGE: 'basic_text', PROBE_PLAIN_TEXT: '1' });
    assert.deepEqual(steps.get('after ready: safeStorage.getSelectedStorageBackend'), {
      value: 'basic_text',
    });
    assert.deepEqual(steps.get('after ready: safeStorage.isEncryptionAvailable'), { value: false });
    assert.match(
      String(steps.get('after ready: safeStorage.encryptString')?.threw),
      /Encryption is not available/,
    );
    assert.deepEqual(steps.get('basic_text allowed: isEncryptionAvailable'), { value: true });
  });

  test('macOS Dock: a hide within 1 s of show() does nothing', () => {
    const steps = probe([], { STAND_IN_PLATFORM: 'darwin', STAND_IN_DOCK_APP_ACTIVE: '0' });
    assert.deepEqual(steps.get('dock visible after a hide within 1 s of show()'), { value: true });
  });
});
