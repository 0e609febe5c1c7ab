// StandInElectron: a stand-in for the parts of Electron's main-process API that electron/main.ts
// and electron-store use, so the BUILT main process (dist/electron/main.js) runs under plain Node
// in test/electron/main-lifecycle.test.ts. It is not Electron: there is no Chromium, no real tray,
// no real window. It records what the app asks for and lets the test drive it over the IPC channel
// (menu clicks, window close, quit), then answers with snapshots.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const recorded = {
  notifications: [],
  errorBoxes: [],
  messageBoxes: [],
  dock: { visible: true, hides: 0, shows: 0 },
  openedExternally: [],
  applicationMenu: null,
  sandbox: false,
};

class PreventableEvent {
  defaultPrevented = false;
  constructor(fields = {}) {
    Object.assign(this, fields);
  }
  preventDefault() {
    this.defaultPrevented = true;
  }
}

class StandInApp extends EventEmitter {
  isPackaged = false;
  #paths = { userData: join(process.cwd(), '.tmp', 'stand-in-user-data') };
  #ready = false;
  getPath(name) {
    const path = this.#paths[name];
    if (!path) throw new Error(`Failed to get '${name}' path`);
    return path;
  }
  setPath(name, path) {
    // As Electron does: the folder must exist.
    if (!existsSync(path)) throw new Error(`Failed to set path: ${path} does not exist`);
    this.#paths[name] = path;
  }
  setAppLogsPath(path) {
    this.#paths.logs = path ?? join(this.#paths.userData, 'logs');
  }
  enableSandbox() {
    recorded.sandbox = true;
  }
  setAppUserModelId() {}
  getName() {
    return 'StackState Mirror Tray';
  }
  getVersion() {
    return '0.1.0';
  }
  requestSingleInstanceLock() {
    return process.env.STAND_IN_LOCK !== 'taken';
  }
  isReady() {
    return this.#ready;
  }
  async whenReady() {
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.#ready) takeOverShutdownSignals();
    this.#ready = true;
  }
  quit() {
    const event = new PreventableEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exit(0);
  }
  exit(code = 0) {
    // A test device, not Electron: STAND_IN_EXIT_DELAY_MILLIS stretches the time between the start
    // of quitting and the end, as a slow tunnel close would, so that a test can signal meanwhile.
    const delay = Number(process.env.STAND_IN_EXIT_DELAY_MILLIS ?? 0);
    setTimeout(() => report({ type: 'exit', code }, () => process.exit(code)), delay);
  }
}

export const app = new StandInApp();

// Stand-in for Electron's app.dock: it exists on macOS only (STAND_IN_PLATFORM=darwin here).
if (process.platform === 'darwin') {
  app.dock = {
    hide() {
      recorded.dock.visible = false;
      recorded.dock.hides++;
    },
    async show() {
      recorded.dock.visible = true;
      recorded.dock.shows++;
    },
    isVisible: () => recorded.dock.visible,
  };
}

/**
 * Stand-in for Chromium's shutdown signal handlers. Copies Electron's rule
 * (shell/browser/electron_browser_main_parts_posix.cc, InstallShutdownSignalHandlers, called in
 * PostCreateMainMessageLoop, before 'ready'): SIGINT, SIGTERM and SIGHUP are taken over (the
 * handlers Node's code added before no longer run), the first one calls app.quit(), and then the
 * default action is back ("we had one shot at graceful shutdown"): a second signal kills. Handlers
 * Node adds after 'ready' replace Chromium's (libuv's sigaction comes last); here they run beside
 * this one-shot, which for the app is the same: the quit sequence runs once.
 */
function takeOverShutdownSignals() {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.removeAllListeners(signal);
    const oneShot = () => {
      process.removeListener(signal, oneShot);
      app.quit();
    };
    process.on(signal, oneShot);
  }
}

class StandInWebContents extends EventEmitter {
  windowOpenHandler = null;
  session = {
    permissionRequestHandler: null,
    permissionCheckHandler: null,
    setPermissionRequestHandler(handler) {
      this.permissionRequestHandler = handler;
    },
    setPermissionCheckHandler(handler) {
      this.permissionCheckHandler = handler;
    },
  };
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
}

let lastWindow = null;

export class BrowserWindow extends EventEmitter {
  visible = false;
  destroyed = false;
  loaded = null;
  loads = 0;
  webContents = new StandInWebContents();
  constructor(options) {
    super();
    this.options = options;
    this.bounds = { x: options.x ?? 100, y: options.y ?? 100, width: options.width, height: options.height };
    lastWindow = this;
  }
  async loadURL(url) {
    this.loads++;
    const response = await fetch(url);
    const body = await response.text();
    this.loaded = {
      url,
      status: response.status,
      csp: response.headers.get('content-security-policy'),
      body,
    };
    setImmediate(() => this.emit('ready-to-show'));
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {}
  restore() {}
  isMinimized() {
    return false;
  }
  isFullScreen() {
    return false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  setBounds(bounds) {
    this.bounds = { ...bounds };
    this.emit('move');
  }
  close() {
    const event = new PreventableEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) {
      this.destroyed = true;
      this.visible = false;
      this.emit('closed');
    }
  }
}

/**
 * The label a menu shows for a template's label, as Electron's menus do: a single '&' marks a
 * mnemonic and is not shown, '&&' shows one '&' (ConvertAcceleratorsFromWindowsStyle in
 * shell/browser/ui/gtk/menu_util.cc on Linux; l10n_util::FixUpWindowsStyleLabel in
 * shell/browser/ui/cocoa/electron_menu_controller.mm on macOS; Windows menus natively).
 */
function shownLabel(label) {
  return String(label).replace(/&(&?)/g, '$1');
}

class StandInMenu {
  constructor(template) {
    this.items = template;
  }
  static buildFromTemplate(template) {
    return new StandInMenu(template);
  }
  static setApplicationMenu(menu) {
    recorded.applicationMenu = menu;
  }
}

export { StandInMenu as Menu };

let lastTray = null;

export class Tray extends EventEmitter {
  destroyed = false;
  constructor(image) {
    super();
    this.image = image;
    lastTray = this;
  }
  setImage(image) {
    this.image = image;
  }
  setToolTip(text) {
    this.tooltip = text;
  }
  setContextMenu(menu) {
    this.menu = menu;
  }
  /** A click on the icon, as the platform delivers it (on macOS it also opens the context menu). */
  click() {
    this.emit('click', new PreventableEvent(), { x: 0, y: 0, width: 16, height: 16 });
  }
  isDestroyed() {
    return this.destroyed;
  }
  destroy() {
    this.destroyed = true;
  }
}

export const nativeImage = {
  createFromPath: (path) => ({
    path,
    template: false,
    setTemplateImage(value) {
      this.template = value;
    },
    isEmpty: () => !existsSync(path),
  }),
};

export const clipboard = {
  text: '',
  writeText(text) {
    this.text = text;
  },
  readText() {
    return this.text;
  },
};

export const dialog = {
  /** Modal and synchronous in Electron: recorded so that a test can check it is never used. */
  showErrorBox(title, content) {
    recorded.errorBoxes.push({ title, content });
  },
  async showMessageBox(options) {
    recorded.messageBoxes.push({ type: options.type, message: options.message, detail: options.detail });
    return { response: 0, checkboxChecked: false };
  },
};

export class Notification extends EventEmitter {
  static isSupported() {
    return true;
  }
  constructor(options) {
    super();
    this.options = options;
  }
  show() {
    recorded.notifications.push({ title: this.options.title, body: this.options.body });
  }
}

/**
 * Stand-in for powerMonitor. It copies Electron's rule for logind's shutdown on Linux
 * (lib/browser/api/power-monitor.ts at v41.7.1): the event source starts on the first listener of
 * any event, and at that moment asks the C++ side to listen for 'shutdown' only if a 'shutdown'
 * listener is already there (listenerCount, before EventEmitter adds the new one). Its own
 * 'newListener' bookkeeping is added inside that first call, so it does not see the listener being
 * added: a 'shutdown' listener registered first leaves shutdown unheard. Electron applies the rule
 * on Linux only; macOS and Windows deliver 'shutdown' whenever there is a listener.
 */
class StandInPowerMonitor extends EventEmitter {
  /** What Electron's pm.setListeningForShutdown was last told (Linux). */
  listeningForShutdown = false;
  constructor() {
    super();
    this.once('newListener', () => {
      this.listeningForShutdown = this.listenerCount('shutdown') > 0;
      this.on('newListener', (event) => {
        if (event === 'shutdown') this.listeningForShutdown = this.listenerCount('shutdown') + 1 > 0;
      });
      this.on('removeListener', (event) => {
        if (event === 'shutdown') this.listeningForShutdown = this.listenerCount('shutdown') > 0;
      });
    });
  }
  /** logind announces a shutdown: delivered as Electron would, with a preventable event. */
  systemShutdown() {
    const heard = process.platform !== 'linux' || this.listeningForShutdown;
    if (!heard) return { heard: false, prevented: false };
    const event = new PreventableEvent();
    this.emit('shutdown', event);
    return { heard: true, prevented: event.defaultPrevented };
  }
}

export const powerMonitor = new StandInPowerMonitor();

const STAND_IN_PREFIX = 'stand-in-encrypted:';
export const safeStorage = {
  isEncryptionAvailable: () => process.env.STAND_IN_SAFE_STORAGE === 'on',
  getSelectedStorageBackend: () => 'gnome_libsecret',
  encryptString: (text) => Buffer.from(STAND_IN_PREFIX + [...text].reverse().join('')),
  decryptString: (buffer) => {
    const text = buffer.toString();
    if (!text.startsWith(STAND_IN_PREFIX)) throw new Error('Error while decrypting the ciphertext provided');
    return [...text.slice(STAND_IN_PREFIX.length)].reverse().join('');
  },
};

export const screen = {
  getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }],
};

export const shell = {
  openExternal: async (url) => {
    recorded.openedExternally.push(url);
  },
  openPath: async () => '',
};

export const ipcMain = new EventEmitter();

export default {
  app,
  BrowserWindow,
  clipboard,
  dialog,
  ipcMain,
  Menu: StandInMenu,
  nativeImage,
  Notification,
  powerMonitor,
  safeStorage,
  screen,
  shell,
  Tray,
};

// ---------- the test's remote control ----------

function report(message, then) {
  if (process.send && process.connected) process.send(message, then);
  else then?.();
}

function menuItems() {
  return (lastTray?.menu?.items ?? []).map((item) =>
    item.type === 'separator'
      ? { separator: true }
      : { label: shownLabel(item.label), enabled: item.enabled !== false },
  );
}

function snapshot() {
  return {
    tray: lastTray
      ? {
          image: lastTray.image.path,
          template: lastTray.image.template,
          tooltip: lastTray.tooltip,
          menu: menuItems(),
          clickListeners: lastTray.listenerCount('click'),
        }
      : null,
    window: lastWindow
      ? {
          visible: lastWindow.visible,
          destroyed: lastWindow.destroyed,
          loads: lastWindow.loads,
          options: lastWindow.options,
          loaded: lastWindow.loaded && { ...lastWindow.loaded, body: lastWindow.loaded.body.slice(0, 2000) },
          bounds: lastWindow.bounds,
        }
      : null,
    clipboard: clipboard.text,
    applicationMenu: recorded.applicationMenu?.items.map((item) => item.role ?? item.label) ?? null,
    notifications: recorded.notifications,
    errorBoxes: recorded.errorBoxes,
    messageBoxes: recorded.messageBoxes,
    dock: process.platform === 'darwin' ? recorded.dock : null,
    openedExternally: recorded.openedExternally,
    sandbox: recorded.sandbox,
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

const commands = {
  snapshot: () => snapshot(),
  'click-tray': async ({ label }) => {
    const item = (lastTray?.menu?.items ?? []).find((entry) => shownLabel(entry.label) === label);
    if (!item) throw new Error(`no tray menu item "${label}"`);
    if (item.enabled === false) throw new Error(`tray menu item "${label}" is disabled`);
    await item.click();
  },
  'close-window': () => lastWindow.close(),
  'click-tray-icon': () => lastTray.click(),
  'query-session-end': () => {
    const event = new PreventableEvent({ reasons: ['logoff'] });
    lastWindow.emit('query-session-end', event);
    return { prevented: event.defaultPrevented };
  },
  'crash-page': () => {
    lastWindow.webContents.emit('render-process-gone', new PreventableEvent(), {
      reason: 'crashed',
      exitCode: 139,
    });
  },
  'move-window': ({ bounds }) => lastWindow.setBounds(bounds),
  'second-instance': () => app.emit('second-instance'),
  quit: () => app.quit(),
  'system-shutdown': () => powerMonitor.systemShutdown(),
  navigate: ({ url }) => {
    const event = new PreventableEvent({ url });
    lastWindow.webContents.emit('will-navigate', event);
    return { prevented: event.defaultPrevented };
  },
  'window-open': ({ url }) => lastWindow.webContents.windowOpenHandler({ url }),
  permission: ({ permission, url }) =>
    new Promise((resolve) =>
      lastWindow.webContents.session.permissionRequestHandler(null, permission, resolve, {
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
