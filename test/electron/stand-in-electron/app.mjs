// Stand-in for Electron's app (with app.commandLine and, on macOS, app.dock). 'ready' comes on its
// own, once main.js's top-level code has run, as in Electron; see rules.mjs for what it refuses.
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { recorded } from './recorded.mjs';
import { BEFORE_READY, becomeReady, commandLineSwitches, isReady, whenReady } from './rules.mjs';

export class PreventableEvent {
  defaultPrevented = false;
  constructor(fields = {}) {
    Object.assign(this, fields);
  }
  preventDefault() {
    this.defaultPrevented = true;
  }
}

const switches = commandLineSwitches(process.argv.slice(2));
recorded.sandbox.noSandboxAtStart = switches.has('no-sandbox');

class StandInApp extends EventEmitter {
  isPackaged = false;
  #paths = { userData: join(process.cwd(), '.tmp', 'stand-in-user-data') };
  commandLine = {
    hasSwitch: (name) => switches.has(name),
    getSwitchValue: (name) => switches.get(name) ?? '',
    appendSwitch: (name, value = '') => switches.set(name, value),
    removeSwitch: (name) => switches.delete(name),
  };
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
  /** shell/browser/api/electron_api_app.cc:1539-1550 at v41.7.1: before 'ready' only; drops --no-sandbox. */
  enableSandbox() {
    if (isReady()) throw new Error(BEFORE_READY.enableSandbox);
    switches.delete('no-sandbox');
    switches.set('enable-sandbox', '');
    recorded.sandbox.enableSandboxCalled = true;
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
    return isReady();
  }
  whenReady() {
    return whenReady();
  }
  quit() {
    const event = new PreventableEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exit(0);
  }
  exit(code = 0) {
    recorded.exitCode = code;
    // A test device, not Electron: STAND_IN_EXIT_DELAY_MILLIS stretches the time between the start
    // of quitting and the end, as a slow tunnel close would, so that a test can signal meanwhile.
    const delay = Number(process.env.STAND_IN_EXIT_DELAY_MILLIS ?? 0);
    setTimeout(() => report({ type: 'exit', code }, () => process.exit(code)), delay);
  }
}

export const app = new StandInApp();

export function report(message, then) {
  if (process.send && process.connected) process.send(message, then);
  else then?.();
}

/**
 * Stand-in for Chromium's shutdown signal handlers. Copies Electron's rule
 * (shell/browser/electron_browser_main_parts_posix.cc:181, InstallShutdownSignalHandlers, called in
 * PostCreateMainMessageLoop at electron_browser_main_parts.cc:565, before 'ready'): SIGINT, SIGTERM and SIGHUP are taken over (the
 * handlers Node's code added before no longer run), the first one calls app.quit(), and then the
 * default action is back (lines 55-57: "We had one shot at graceful shutdown"): a second signal kills. Handlers
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

// 'ready' once main.js's synchronous top level has run (it has no top-level await).
setImmediate(() => {
  takeOverShutdownSignals();
  becomeReady();
  app.emit('ready', new PreventableEvent(), {});
});

/**
 * Stand-in for app.dock (macOS only: STAND_IN_PLATFORM=darwin). Its rules, from
 * shell/browser/browser_mac.mm at v41.7.1:
 * - show() (lines 541-574) records the time, then, if the app is active (the case a tray or Dock
 *   click gives; STAND_IN_DOCK_APP_ACTIVE=0 for the other), activates the Dock app, which takes the
 *   focus from the app's windows; 1 s later the app becomes a foreground app (its Dock icon
 *   appears), and 1 s after that it is activated again and the promise resolves. A window focused
 *   meanwhile loses the focus to the Dock. An app that is not active gets its icon at once.
 * - hide() (lines 512-527) does nothing within 1 s of the last show().
 */
export const dockFocus = { showsPending: 0 };
if (process.platform === 'darwin') {
  let lastShow = Number.NEGATIVE_INFINITY;
  app.dock = {
    hide() {
      if (Date.now() - lastShow < 1000) {
        recorded.dock.ignoredHides++;
        return;
      }
      recorded.dock.visible = false;
      recorded.dock.hides++;
    },
    show() {
      lastShow = Date.now();
      recorded.dock.shows++;
      if (process.env.STAND_IN_DOCK_APP_ACTIVE === '0') {
        recorded.dock.visible = true;
        return Promise.resolve();
      }
      dockFocus.showsPending++;
      return new Promise((resolve) => {
        setTimeout(() => {
          recorded.dock.visible = true;
          setTimeout(() => {
            dockFocus.showsPending--;
            resolve();
          }, 1000);
        }, 1000);
      });
    },
    isVisible: () => recorded.dock.visible,
  };
}
