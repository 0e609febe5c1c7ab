// The BUILT main process (dist/electron/main.js, bundled by scripts/build.mjs) run under plain Node
// with StandInElectron (test/electron/stand-in-electron/) in place of Electron, whose binary cannot
// be downloaded here. Everything else is real: electron-store on disk, the session, the mirror, the
// control API and the UI it serves. What it cannot show (a real tray, a real Chromium window) is
// covered by test/e2e/electron.test.ts where an Electron binary exists.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { App, buildApp, isFree, item, labels, TOKEN } from './built-app';

describe('the built main process, under StandInElectron (no Electron binary here)', () => {
  const { work: WORK } = buildApp('main-lifecycle');

  test('starts, shows window and tray, copies from the tray, hides on close, cleans up, quits leaving nothing', async (t) => {
    const userData = join(WORK, 'user-data-1');
    mkdirSync(userData, { recursive: true });
    const app = App.start(WORK, ['--tunnel', 'none', '--port', '0', '--user-data-dir', userData], {
      STAND_IN_SAFE_STORAGE: 'on',
    });

    // Window: hardened options, the UI served by the control API with its CSP, shown once ready.
    let s = await app.waitFor('the window to show', (x) => x.window?.visible === true);
    assert.equal(s.sandbox, 'sandboxed', 'app.enableSandbox() was called before ready');
    assert.deepEqual([s.window?.options.width, s.window?.options.height], [420, 720]);
    const prefs = s.window?.options.webPreferences ?? {};
    assert.deepEqual(
      [prefs.contextIsolation, prefs.sandbox, prefs.nodeIntegration, prefs.webSecurity],
      [true, true, false, true],
    );
    assert.equal(s.window?.loaded?.status, 200);
    assert.match(s.window?.loaded?.csp ?? '', /default-src 'self'/);
    assert.match(s.window?.loaded?.body ?? '', /<html|<!doctype html/i);
    assert.ok(s.hooks);
    assert.equal(s.window?.loaded?.url, s.hooks.uiUrl);
    assert.deepEqual(s.applicationMenu?.includes('editMenu'), true);

    // Tray: the local phase (tunnel "none" serves StackState on this machine through Docker).
    s = await app.waitFor('the tray to show the mirror serving', (x) =>
      (x.tray?.tooltip ?? '').includes('http'),
    );
    const state = s.hooks!.state;
    t.diagnostic(`phase ${state.phase}; tooltip ${JSON.stringify(s.tray?.tooltip)}`);
    assert.ok(['online', 'local'].includes(state.phase), state.message);
    assert.match(s.tray!.image, /electron[/\\]assets[/\\]tray-(online|local)\.png$/);
    assert.equal(item(s, 'Start')?.enabled, false);
    assert.equal(item(s, 'Copy Mirror URL')?.enabled, true);
    assert.ok(state.connection.mirrorUrl);
    assert.ok(s.tray!.tooltip.includes(state.connection.mirrorUrl));

    // Copy actions from the tray menu.
    await app.command('click-tray', { label: 'Copy Mirror URL' });
    assert.equal((await app.snapshot()).clipboard, state.connection.mirrorUrl);
    await app.command('click-tray', { label: 'Copy API key' });
    assert.equal((await app.snapshot()).clipboard, state.connection.apiKey);
    await app.command('click-tray', { label: 'Copy connection details' });
    assert.equal((await app.snapshot()).clipboard, state.connection.connectionDetails);

    // Security decisions, wired to the window's events.
    const controlOrigin = new URL(s.hooks!.uiUrl).origin;
    assert.deepEqual(await app.command('navigate', { url: `${controlOrigin}/` }), { prevented: false });
    assert.deepEqual(await app.command('navigate', { url: 'https://example.com/' }), { prevented: true });
    assert.deepEqual(await app.command('window-open', { url: 'https://dashboard.ngrok.com/' }), {
      action: 'deny',
    });
    assert.deepEqual((await app.snapshot()).openedExternally, [
      'https://example.com/',
      'https://dashboard.ngrok.com/',
    ]);
    assert.equal(await app.command('permission', { permission: 'media', url: s.hooks!.uiUrl }), false);
    assert.equal(
      await app.command('permission', { permission: 'clipboard-sanitized-write', url: s.hooks!.uiUrl }),
      true,
    );

    // Closing the window hides it; the app keeps running; a second launch shows it again.
    await app.command('move-window', { bounds: { x: 300, y: 200, width: 460, height: 700 } });
    await app.command('close-window');
    s = await app.snapshot();
    assert.deepEqual([s.window?.visible, s.window?.destroyed], [false, false]);
    assert.equal(await isFree(s.hooks!.controlPort), false, 'the control API still listens');
    await app.command('second-instance');
    assert.equal((await app.snapshot()).window?.visible, true);

    // Stop & clean up from the tray: mirror stopped, Start enabled again, a notification.
    const mirrorPort = state.mirror.port!;
    await app.command('click-tray', { label: 'Stop & clean up' });
    s = await app.waitFor('the session to stop', (x) => x.hooks?.state.phase === 'stopped');
    assert.equal(item(s, 'Start')?.enabled, true);
    assert.equal(item(s, 'Copy Mirror URL')?.enabled, false);
    assert.match(s.tray!.image, /tray-stopped\.png$/);
    assert.ok(
      s.notifications.some((n) => n.title === 'Stopped and cleaned up'),
      JSON.stringify(s.notifications),
    );
    assert.equal(await isFree(mirrorPort), true);

    // Quit from the tray: tunnel, mirror, control API stopped, then app.exit(0); nothing listens.
    const controlPort = s.hooks!.controlPort;
    const logPath = s.hooks!.logPath;
    const settingsPath = s.hooks!.settingsPath;
    await app.command('click-tray', { label: 'Start' });
    s = await app.waitFor('the mirror to run again', (x) => x.hooks?.state.mirror.port != null);
    const restartedPort = s.hooks!.state.mirror.port!;
    void app.command('click-tray', { label: 'Quit' }).catch(() => undefined);
    const { code, reported } = await app.exited;
    assert.equal(code, 0);
    assert.equal(reported, 0, 'left through app.exit(0)');
    assert.deepEqual(await Promise.all([isFree(controlPort), isFree(restartedPort)]), [true, true]);

    const log = readFileSync(logPath, 'utf8');
    assert.match(log, /Quit: tunnel, mirror and control API are stopped\./);
    assert.ok(
      !log.includes(new URL(s.hooks!.uiUrl).searchParams.get('token')!),
      'no control token in the log',
    );
    assert.ok(existsSync(settingsPath), 'settings kept by electron-store');
    const stored = JSON.parse(readFileSync(settingsPath, 'utf8'));
    assert.deepEqual(stored.window, { x: 300, y: 200, width: 460, height: 700 }, 'window place remembered');
  });

  test('the authtoken is encrypted with safeStorage, and an uncaught error is shown and logged without it', async () => {
    const userData = join(WORK, 'user-data-2');
    mkdirSync(userData, { recursive: true });
    const app = App.start(WORK, ['--tunnel', 'none', '--port', '0', '--user-data-dir', userData], {
      STAND_IN_SAFE_STORAGE: 'on',
    });
    let s = await app.waitFor('the app to start', (x) => x.hooks !== null && x.window?.visible === true);
    assert.equal(s.hooks!.state.settings.encryptsSecrets, true);
    // Save a token the way the window does: through the control API.
    const response = await fetch(new URL('/control/settings', s.hooks!.uiUrl), {
      method: 'PUT',
      headers: {
        authorization: `Bearer ${new URL(s.hooks!.uiUrl).searchParams.get('token')}`,
        'content-type': 'application/json',
        origin: new URL(s.hooks!.uiUrl).origin,
      },
      body: JSON.stringify({ ngrokAuthtoken: TOKEN }),
    });
    assert.equal(response.status, 200, await response.text());
    const file = readFileSync(s.hooks!.settingsPath, 'utf8');
    assert.ok(!file.includes(TOKEN), 'not in plain text on disk');
    assert.match(file, /ngrokAuthtokenEncrypted/);

    await app.command('throw', { message: `ngrok said: authtoken ${TOKEN} is invalid` });
    s = await app.waitFor('the error dialog', (x) => x.messageBoxes.length > 0);
    assert.deepEqual(
      s.errorBoxes,
      [],
      'no modal, synchronous showErrorBox in the process serving the mirror',
    );
    const box = s.messageBoxes[0]!;
    assert.equal(box.type, 'error');
    assert.ok(!box.detail.includes(TOKEN), box.detail);
    assert.match(box.detail, /The details are in .*main\.log/);
    const log = readFileSync(s.hooks!.logPath, 'utf8');
    assert.match(log, /Uncaught exception: Error: ngrok said: authtoken \*\*\* is invalid/);
    assert.ok(!log.includes(TOKEN));

    await app.command('quit').catch(() => undefined);
    assert.equal((await app.exited).code, 0);
  });

  test('plain mode (no keychain), --hidden, and a corrupt settings file set aside with a notice', async () => {
    const userData = join(WORK, 'user-data-3');
    mkdirSync(userData, { recursive: true });
    writeFileSync(join(userData, 'settings.json'), '{ "settings": { "mirrorPort": 70');
    const app = App.start(WORK, ['--tunnel', 'none', '--port', '0', '--user-data-dir', userData, '--hidden']);
    const s = await app.waitFor('the app to start', (x) => x.hooks !== null && x.tray !== null);
    assert.equal(s.hooks!.state.settings.encryptsSecrets, false);
    assert.equal(s.window?.visible, false, '--hidden starts in the tray only');
    const notice = s.notifications.find((n) => n.body.includes('could not be read'));
    assert.ok(notice, JSON.stringify(s.notifications));
    assert.ok(
      readdirSync(userData).some((f) => f.startsWith('settings.json.corrupt-')),
      'the corrupt file is kept aside',
    );
    await app.command('quit').catch(() => undefined);
    assert.equal((await app.exited).code, 0);
  });

  test('a second SIGTERM while quitting joins the quit sequence instead of killing the app', async () => {
    const userData = join(WORK, 'user-data-7');
    mkdirSync(userData, { recursive: true });
    const app = App.start(
      WORK,
      ['--tunnel', 'none', '--port', '0', '--user-data-dir', userData, '--hidden'],
      {
        STAND_IN_EXIT_DELAY_MILLIS: '1500',
      },
    );
    await app.waitFor('the app to start', (x) => x.hooks !== null && x.tray !== null);
    app.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    app.child.kill('SIGTERM');
    const { code, reported } = await app.exited;
    assert.deepEqual(
      [code, reported],
      [0, 0],
      'killed by the second signal instead of leaving through app.exit(0)',
    );
  });

  test('Linux: a tray click shows the window; "Stop & clean up" shows its "&"', async () => {
    const userData = join(WORK, 'user-data-9');
    mkdirSync(userData, { recursive: true });
    const app = App.start(WORK, ['--tunnel', 'none', '--port', '0', '--user-data-dir', userData, '--hidden']);
    let s = await app.waitFor('the app to start', (x) => x.hooks !== null && x.tray !== null);
    assert.equal(s.dock, null, 'no app.dock outside macOS');
    assert.ok(
      labels(s).some((i) => i.label === 'Stop & clean up'),
      `the menu shows: ${labels(s)
        .map((i) => i.label)
        .join(' | ')}`,
    );
    await app.command('click-tray-icon');
    s = await app.waitFor('the window to show', (x) => x.window?.visible === true);
    await app.command('quit').catch(() => undefined);
    assert.equal((await app.exited).code, 0);
  });

  test('a crashed page is reloaded after a pause, and the crash is logged', async () => {
    const userData = join(WORK, 'user-data-10');
    mkdirSync(userData, { recursive: true });
    const app = App.start(WORK, ['--tunnel', 'none', '--port', '0', '--user-data-dir', userData]);
    let s = await app.waitFor('the window to show', (x) => x.hooks !== null && x.window?.visible === true);
    const loads = s.window!.loads;
    await app.command('crash-page');
    assert.equal((await app.snapshot()).window?.loads, loads, 'not reloaded at once');
    s = await app.waitFor('the reload', (x) => (x.window?.loads ?? 0) > loads, 5000);
    assert.match(
      readFileSync(s.hooks!.logPath, 'utf8'),
      /The window's page stopped \(crashed\); reloading it in 1 s\./,
    );
    await app.command('quit').catch(() => undefined);
    assert.equal((await app.exited).code, 0);
  });

  test('a second instance leaves at once and starts nothing', async () => {
    const userData = join(WORK, 'user-data-4');
    const app = App.start(WORK, ['--user-data-dir', userData], { STAND_IN_LOCK: 'taken' });
    const { code } = await app.exited;
    assert.equal(code, 0);
    assert.equal(existsSync(join(userData, 'settings.json')), false, 'no settings touched');
    assert.equal(existsSync(join(userData, 'logs', 'main.log')), false, 'nothing logged');
  });
});
