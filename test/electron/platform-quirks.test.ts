// Where a platform's Electron behaves its own way (the rules are in StandInElectron, each citing its
// Electron source): the macOS Dock (show() takes 2 s and steals the focus meanwhile; hide() does
// nothing within 1 s of a show), Wayland (no window position), and safeStorage (each call may block
// the main process on a keychain prompt; Linux's basic_text backend is no encryption).
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { describe, test } from 'node:test';
import { App, buildApp, TOKEN } from './built-app';

const pause = (millis: number) => new Promise((r) => setTimeout(r, millis));

describe('platform quirks (StandInElectron)', () => {
  const { work, userData } = buildApp('platform-quirks');
  const hiddenArgs = (name: string) => [
    '--tunnel',
    'none',
    '--port',
    '0',
    '--user-data-dir',
    userData(name),
    '--hidden',
  ];

  test('macOS: the window is shown and focused once the Dock icon is there, never shown twice', async () => {
    const app = App.start(work, hiddenArgs('dock'), { STAND_IN_PLATFORM: 'darwin' });
    let s = await app.waitFor('the app to start', (x) => x.hooks !== null && x.tray !== null);
    assert.equal(s.dock?.visible, false, '--hidden: no Dock icon');
    assert.equal(s.tray?.clickListeners, 0, 'a click opens the tray menu only, not the window under it');
    await app.command('second-instance');
    s = await app.waitFor('the window to show', (x) => x.window?.visible === true);
    assert.equal(s.dock?.visible, true, 'the Dock icon comes with the window');
    assert.equal(
      s.window?.focused,
      true,
      'the window lost the focus to the Dock: it was focused before dock.show() settled',
    );
    await app.command('second-instance');
    await pause(2500);
    s = await app.snapshot();
    assert.equal(s.window?.redundantShows, 0, 'show() was called on a window already shown');
    assert.equal(s.window?.focused, true);
    await app.command('close-window');
    s = await app.snapshot();
    assert.deepEqual(
      [s.window?.visible, s.dock?.visible],
      [false, false],
      'the Dock icon goes with the window',
    );
    // Asked for, then closed while its Dock icon is still appearing: neither comes back afterwards.
    await app.command('second-instance');
    await app.command('close-window');
    await pause(2500);
    s = await app.snapshot();
    assert.deepEqual(
      [s.window?.visible, s.dock?.visible],
      [false, false],
      'a window closed while its Dock icon was appearing came back, or left its icon',
    );
    await app.command('quit').catch(() => undefined);
    assert.equal((await app.exited).code, 0);
  });

  test('macOS: a window closed within 1 s of showing still takes its Dock icon with it', async () => {
    // The app not active: dock.show() settles at once, so the close comes within Electron's 1 s.
    const app = App.start(work, hiddenArgs('dock-early-hide'), {
      STAND_IN_PLATFORM: 'darwin',
      STAND_IN_DOCK_APP_ACTIVE: '0',
    });
    await app.waitFor('the app to start', (x) => x.hooks !== null && x.tray !== null);
    await app.command('second-instance');
    await app.waitFor('the window to show', (x) => x.window?.visible === true);
    await app.command('close-window');
    const s = await app.waitFor('the Dock icon to go', (x) => x.dock?.visible === false, 3000);
    assert.equal(s.dock?.ignoredHides, 0, 'a hide was made within 1 s of a show, which Electron ignores');
    await app.command('quit').catch(() => undefined);
    assert.equal((await app.exited).code, 0);
  });

  for (const [name, env, args, saved] of [
    [
      'Wayland: only the size is remembered (the compositor reports no position)',
      { XDG_SESSION_TYPE: 'wayland' },
      [],
      { width: 460, height: 700 },
    ],
    [
      'XWayland (--ozone-platform=x11): the position is remembered too',
      { XDG_SESSION_TYPE: 'wayland' },
      ['--ozone-platform=x11'],
      { x: 300, y: 200, width: 460, height: 700 },
    ],
  ] as const) {
    test(name, async () => {
      const app = App.start(work, [...hiddenArgs(`bounds-${args.length}`), ...args], env);
      const s = await app.waitFor('the app to start', (x) => x.hooks !== null && x.window !== null);
      await app.command('move-window', { bounds: { x: 300, y: 200, width: 460, height: 700 } });
      await app.command('close-window');
      await app.command('quit').catch(() => undefined);
      assert.equal((await app.exited).code, 0);
      const stored = JSON.parse(readFileSync(s.hooks!.settingsPath, 'utf8')) as { window: unknown };
      assert.deepEqual(stored.window, saved);
    });
  }

  test('safeStorage is not asked on state reads (each call may be a keychain prompt), only on a change', async () => {
    const app = App.start(work, hiddenArgs('keychain'), { STAND_IN_SAFE_STORAGE: 'on' });
    let s = await app.waitFor('the app to start', (x) => x.hooks !== null && x.tray !== null);
    const token = new URL(s.hooks!.uiUrl).searchParams.get('token');
    const control = (path: string, init: RequestInit = {}) =>
      fetch(new URL(path, s.hooks!.uiUrl), {
        ...init,
        headers: {
          authorization: `Bearer ${token}`,
          origin: new URL(s.hooks!.uiUrl).origin,
          'content-type': 'application/json',
        },
      });
    const before = (await app.snapshot()).safeStorageCalls;
    for (let i = 0; i < 20; i++) {
      const response = await control('/control/state');
      assert.equal(response.status, 200);
      assert.equal(
        ((await response.json()) as { settings: { encryptsSecrets: boolean } }).settings.encryptsSecrets,
        true,
      );
    }
    s = await app.snapshot();
    assert.equal(
      s.safeStorageCalls,
      before,
      `20 state reads called safeStorage ${s.safeStorageCalls - before} times`,
    );
    const saved = await control('/control/settings', {
      method: 'PUT',
      body: JSON.stringify({ ngrokAuthtoken: TOKEN }),
    });
    assert.equal(saved.status, 200, await saved.text());
    s = await app.snapshot();
    assert.ok(s.safeStorageCalls > before, 'the change was encrypted');
    const file = readFileSync(s.hooks!.settingsPath, 'utf8');
    assert.ok(!file.includes(TOKEN) && file.includes('ngrokAuthtokenEncrypted'), 'encrypted on disk');
    await app.command('quit').catch(() => undefined);
    assert.equal((await app.exited).code, 0);
  });

  test("Linux's basic_text backend is not taken for encryption: the token is kept plain, owner-only, and the window says so", async () => {
    const app = App.start(work, hiddenArgs('basic-text'), { STAND_IN_SAFE_STORAGE: 'basic_text' });
    const s = await app.waitFor('the app to start', (x) => x.hooks !== null && x.tray !== null);
    assert.equal(s.hooks!.state.settings.encryptsSecrets, false);
    const response = await fetch(new URL('/control/settings', s.hooks!.uiUrl), {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${new URL(s.hooks!.uiUrl).searchParams.get('token')}`,
        origin: new URL(s.hooks!.uiUrl).origin,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ ngrokAuthtoken: TOKEN }),
    });
    assert.equal(response.status, 200, await response.text());
    const file = readFileSync(s.hooks!.settingsPath, 'utf8');
    assert.ok(
      file.includes(TOKEN) && !file.includes('ngrokAuthtokenEncrypted'),
      'stored plain, not "encrypted" with a fixed key',
    );
    assert.equal(statSync(s.hooks!.settingsPath).mode & 0o777, 0o600);
    await app.command('quit').catch(() => undefined);
    assert.equal((await app.exited).code, 0);
  });
});
