// The test's remote control of StandInElectron, over the IPC channel: commands in, snapshots out.
import { app, PreventableEvent, report } from './app.mjs';
import { clipboard, currentTray, powerMonitor, shownLabel, windows } from './electron.mjs';
import { recorded, renderersSandbox } from './recorded.mjs';
import { liveChildPids, writeNow } from './rules.mjs';
import { safeStorageCalls } from './safe-storage.mjs';

const lastWindow = () => windows().at(-1) ?? null;

function menuItems() {
  return (currentTray()?.menu?.items ?? []).map((item) =>
    item.type === 'separator'
      ? { separator: true }
      : { label: shownLabel(item.label), enabled: item.enabled !== false },
  );
}

function snapshot() {
  const tray = currentTray();
  const window = lastWindow();
  return {
    tray: tray
      ? {
          image: tray.image.path,
          template: tray.image.template,
          tooltip: tray.tooltip,
          menu: menuItems(),
          clickListeners: tray.listenerCount('click'),
        }
      : null,
    window: window
      ? {
          visible: window.visible,
          focused: window.focused,
          redundantShows: window.redundantShows,
          destroyed: window.destroyed,
          loads: window.loads,
          options: window.options,
          loaded: window.loaded && { ...window.loaded, body: window.loaded.body.slice(0, 2000) },
          bounds: window.bounds,
        }
      : null,
    clipboard: clipboard.text,
    applicationMenu: recorded.applicationMenu?.items.map((item) => item.role ?? item.label) ?? null,
    notifications: recorded.notifications,
    errorBoxes: recorded.errorBoxes,
    messageBoxes: recorded.messageBoxes,
    dock: process.platform === 'darwin' ? recorded.dock : null,
    openedExternally: recorded.openedExternally,
    sandbox: renderersSandbox(),
    safeStorageCalls: safeStorageCalls.count,
    hooks: globalThis.mirrorTrayTest
      ? {
          state: globalThis.mirrorTrayTest.state(),
          uiUrl: globalThis.mirrorTrayTest.uiUrl,
          controlPort: globalThis.mirrorTrayTest.controlPort,
          logPath: globalThis.mirrorTrayTest.logPath,
          settingsPath: globalThis.mirrorTrayTest.settingsPath,
        }
      : null,
  };
}

/**
 * Windows ends the session (shell/browser/native_window_views_win.cc:430-435 at v41.7.1:
 * WM_ENDSESSION with wParam TRUE emits 'session-end', and nothing can hold it). Windows may end the
 * process as soon as the handlers have returned, so the stand-in ends it then, with SIGKILL: only
 * what the app did synchronously counts. It writes first what it found at that moment.
 */
function endSession() {
  const before = liveChildPids();
  for (const window of windows()) window.emit('session-end', new PreventableEvent({ reasons: ['logoff'] }));
  const after = liveChildPids();
  writeNow(
    `session ended: children before ${JSON.stringify(before)}, still running ${JSON.stringify(after)}; app.exit ${
      recorded.exitCode === null ? 'not called' : `called with ${recorded.exitCode}`
    }`,
  );
  process.kill(process.pid, 'SIGKILL');
}

const commands = {
  snapshot: () => snapshot(),
  'click-tray': async ({ label }) => {
    const item = (currentTray()?.menu?.items ?? []).find((entry) => shownLabel(entry.label) === label);
    if (!item) throw new Error(`no tray menu item "${label}"`);
    if (item.enabled === false) throw new Error(`tray menu item "${label}" is disabled`);
    await item.click();
  },
  'close-window': () => lastWindow().close(),
  'click-tray-icon': () => currentTray().click(),
  /**
   * WM_QUERYENDSESSION (native_window_views_win.cc:420-428): unless a listener prevents it,
   * Electron answers TRUE at once. The log-off may still be cancelled: then no 'session-end' comes.
   */
  'query-session-end': () => {
    const event = new PreventableEvent({ reasons: ['logoff'] });
    lastWindow().emit('query-session-end', event);
    return { prevented: event.defaultPrevented };
  },
  'session-end': () => endSession(),
  'crash-page': () => {
    lastWindow().webContents.emit('render-process-gone', new PreventableEvent(), {
      reason: 'crashed',
      exitCode: 139,
    });
  },
  'move-window': ({ bounds }) => lastWindow().setBounds(bounds),
  'second-instance': () => app.emit('second-instance'),
  quit: () => app.quit(),
  'system-shutdown': () => powerMonitor.systemShutdown(),
  navigate: ({ url }) => {
    const event = new PreventableEvent({ url });
    lastWindow().webContents.emit('will-navigate', event);
    return { prevented: event.defaultPrevented };
  },
  'window-open': ({ url }) => lastWindow().webContents.windowOpenHandler({ url }),
  permission: ({ permission, url }) =>
    new Promise((resolve) =>
      lastWindow().webContents.session.permissionRequestHandler(null, permission, resolve, {
        requestingUrl: url,
      }),
    ),
  throw: ({ message }) => {
    setTimeout(() => {
      throw new Error(message);
    });
  },
};

process.on('message', async (message) => {
  if (!message || typeof message !== 'object' || !(message.command in commands)) return;
  try {
    const value = await commands[message.command](message);
    report({ type: 'reply', id: message.id, value: value ?? null });
  } catch (error) {
    report({ type: 'reply', id: message.id, error: error.message });
  }
});
