// StandInElectron: a stand-in for the parts of Electron's main-process API that electron/main.ts
// and electron-store use, so the BUILT main process (dist/electron/main.js) runs under plain Node
// in test/electron/main-lifecycle.test.ts. It is not Electron: there is no Chromium, no real tray,
// no real window. It records what the app asks for and lets the test drive it over the IPC channel
// (remote-control.mjs), and it refuses what Electron refuses (rules.mjs, app.mjs, safe-storage.mjs:
// each rule cites the Electron source it copies).
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { app, dockFocus, PreventableEvent } from './app.mjs';
import { recorded } from './recorded.mjs';
import { commandLineSwitches, nativeWayland, refuseBeforeReady, writeNow } from './rules.mjs';
import { safeStorage } from './safe-storage.mjs';
// The test's remote control over the IPC channel (it uses this module's exports only when asked).
import './remote-control.mjs';

export { app, safeStorage };

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
  focused = false;
  /** show() calls on a window already shown: each re-orders it (and on macOS activates the app). */
  redundantShows = 0;
  destroyed = false;
  loaded = null;
  loads = 0;
  webContents = new StandInWebContents();
  constructor(options) {
    refuseBeforeReady('BrowserWindow');
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
    if (this.visible) this.redundantShows++;
    this.visible = true;
  }
  hide() {
    this.visible = false;
    this.focused = false;
  }
  isVisible() {
    return this.visible;
  }
  /** Lost to the Dock while an app.dock.show() is under way (see app.mjs). */
  focus() {
    this.focused = this.visible && dockFocus.showsPending === 0;
  }
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
    // Wayland reports no position (rules.mjs, nativeWayland).
    if (nativeWayland(commandLineSwitches(process.argv.slice(2)), process.env))
      return { ...this.bounds, x: 0, y: 0 };
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
 * shell/browser/ui/gtk/menu_util.cc:151 and :276 on Linux; l10n_util::FixUpWindowsStyleLabel in
 * shell/browser/ui/cocoa/electron_menu_controller.mm:326 on macOS; Windows menus natively).
 */
export function shownLabel(label) {
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
    refuseBeforeReady('Tray');
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
    refuseBeforeReady('Notification');
    super();
    this.options = options;
  }
  show() {
    recorded.notifications.push({ title: this.options.title, body: this.options.body });
  }
}

/**
 * Stand-in for powerMonitor. It copies Electron's rule for logind's shutdown on Linux
 * (lib/browser/api/power-monitor.ts:17-36 at v41.7.1): the event source starts on the first listener of
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
    // logind waits for a delay lock InhibitDelayMaxSec, 5 s by default (logind.conf(5)), then
    // goes on with the shutdown, which ends the app whatever it is doing.
    if (event.defaultPrevented) {
      setTimeout(() => {
        writeNow("logind's 5 s delay ran out: the shutdown ends the app");
        process.kill(process.pid, 'SIGKILL');
      }, 5000).unref();
    }
    return { heard: true, prevented: event.defaultPrevented };
  }
}

export const powerMonitor = new StandInPowerMonitor();

export const screen = new Proxy(
  { getAllDisplays: () => [{ workArea: { x: 0, y: 0, width: 1920, height: 1080 } }] },
  {
    get(target, property) {
      refuseBeforeReady('screen');
      return target[property];
    },
  },
);

export const shell = {
  openExternal: async (url) => {
    recorded.openedExternally.push(url);
  },
  openPath: async () => '',
};

export const ipcMain = new EventEmitter();

export const windows = () => (lastWindow ? [lastWindow] : []);
export const currentTray = () => lastTray;

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
