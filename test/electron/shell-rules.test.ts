// Small rules of the desktop shell, as pure functions and classes: menu labels with '&', which
// platforms bind the tray click, how long notifications are kept, and the crash reload back-off.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { CRASH_MEMORY_MILLIS, CrashReloads, RELOAD_DELAYS_MILLIS } from '../../electron/crash-reload';
import { KeptNotifications, MAX_KEPT } from '../../electron/kept-notifications';
import { menuLabel, trayClickShowsWindow } from '../../electron/tray-menu';

describe('menus and the tray click', () => {
  test("a literal '&' is doubled, since a single one marks a mnemonic and is not shown", () => {
    assert.equal(menuLabel('Stop & clean up'), 'Stop && clean up');
    assert.equal(menuLabel('https://a.ngrok.app/?a=1&b=2'), 'https://a.ngrok.app/?a=1&&b=2');
    assert.equal(menuLabel('Quit'), 'Quit');
  });

  test('the tray click shows the window on Windows and Linux, not on macOS (the menu opens there)', () => {
    assert.deepEqual((['win32', 'linux', 'darwin'] as const).map(trayClickShowsWindow), [true, true, false]);
  });
});

describe('notifications kept referenced', () => {
  test('until closed or failed', () => {
    const kept = new KeptNotifications<EventEmitter>();
    const closed = new EventEmitter();
    const failed = new EventEmitter();
    kept.keep(closed);
    kept.keep(failed);
    assert.equal(kept.size, 2);
    closed.emit('close');
    failed.emit('failed');
    assert.equal(kept.size, 0);
  });

  test('until timed out, when the notification server never says closed', async () => {
    const kept = new KeptNotifications<EventEmitter>(50);
    kept.keep(new EventEmitter());
    assert.equal(kept.size, 1);
    await new Promise((resolve) => setTimeout(resolve, 120));
    assert.equal(kept.size, 0);
  });

  test('never more than MAX_KEPT at once, however many are never closed', () => {
    const kept = new KeptNotifications<EventEmitter>();
    for (let i = 0; i < 10 * MAX_KEPT; i++) kept.keep(new EventEmitter());
    assert.equal(kept.size, MAX_KEPT);
  });
});

describe('a crashing window page', () => {
  test('is reloaded after growing pauses, then given up with the count', () => {
    const reloads = new CrashReloads();
    const decisions = [0, 1000, 7000, 30_000].map((at) => reloads.next(at));
    assert.deepEqual(decisions, [
      ...RELOAD_DELAYS_MILLIS.map((reloadInMillis) => ({ reloadInMillis })),
      { giveUp: true, crashes: 4 },
    ]);
  });

  test('old crashes are forgotten, and asking for the window again starts afresh', () => {
    const reloads = new CrashReloads();
    for (const at of [0, 1, 2]) reloads.next(at);
    assert.deepEqual(reloads.next(CRASH_MEMORY_MILLIS + 10), { reloadInMillis: RELOAD_DELAYS_MILLIS[0] });
    for (const at of [1, 2, 3]) reloads.next(CRASH_MEMORY_MILLIS + 10 + at);
    reloads.reset();
    assert.deepEqual(reloads.next(CRASH_MEMORY_MILLIS + 20), { reloadInMillis: RELOAD_DELAYS_MILLIS[0] });
  });
});
