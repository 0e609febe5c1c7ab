// The rules of Electron that StandInElectron copies, each from the Electron source that makes it
// (github.com/electron/electron at tag v41.7.1, the installed version; file and line). A stand-in
// that allowed what Electron refuses would let ordering bugs through to a real machine.
import { readdirSync, readFileSync, writeSync } from 'node:fs';

let ready = false;
const waiters = [];

export const isReady = () => ready;

/** 'ready' has come: every whenReady() resolves. */
export function becomeReady() {
  ready = true;
  for (const resolve of waiters.splice(0)) resolve();
}

export function whenReady() {
  return ready ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve));
}

/**
 * What Electron throws when a module that needs the browser process is used before 'ready':
 * - BrowserWindow: shell/browser/api/electron_api_browser_window.cc:314-315
 * - Tray: shell/browser/api/electron_api_tray.cc:70-71
 * - Notification: shell/browser/api/electron_api_notification.cc:90-91
 * - screen: shell/browser/api/electron_api_screen.cc:165-167 (created on first use by the proxy in
 *   lib/browser/api/screen.ts)
 */
export const BEFORE_READY = {
  BrowserWindow: 'Cannot create BrowserWindow before app is ready',
  Tray: 'Cannot create Tray before app is ready',
  Notification: 'Cannot create Notification before app is ready',
  screen: "The 'screen' module can't be used before the app 'ready' event",
  // shell/browser/api/electron_api_app.cc:1539-1544: the other way round.
  enableSandbox: 'app.enableSandbox() can only be called before app is ready',
};

export function refuseBeforeReady(what) {
  if (!ready) throw new Error(BEFORE_READY[what]);
}

/** Written at once (not through the IPC channel): for what happens just before the process ends. */
export function writeNow(text) {
  writeSync(2, `stand-in: ${text}\n`);
}

/** Whether /proc/<pid>/status shows a SIGKILL (signal 9: bit 0x100) sent and not yet delivered. */
function killPending(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return [...status.matchAll(/^(?:ShdPnd|SigPnd):\s*([0-9a-f]+)$/gm)].some(
    (m) => (BigInt(`0x${m[1]}`) & 0x100n) !== 0n,
  );
}

/**
 * The process's children that are still running, from /proc (Linux): not zombies, and not with a
 * SIGKILL on its way (the kernel delivers it whatever happens to the parent next).
 */
export function liveChildPids() {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && state !== 'Z' && state !== 'X' && !killPending(entry))
        pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * Chromium's switches as Electron's app.commandLine sees them (base::CommandLine: `--name` or
 * `--name=value`). app.enableSandbox() removes `--no-sandbox` from it (electron_api_app.cc:1524-1536,
 * RemoveNoSandboxSwitch), but the zygote was started before main.js ran, with the switch.
 */
export function commandLineSwitches(argv) {
  const switches = new Map();
  for (const arg of argv) {
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    switches.set(arg.slice(2, eq === -1 ? undefined : eq), eq === -1 ? '' : arg.slice(eq + 1));
  }
  return switches;
}

/**
 * Wayland: getBounds() and getNormalBounds() say x 0, y 0 (docs/api/base-window.md:764). Electron
 * runs as a native Wayland client in a Wayland session since 38, where --ozone-platform defaults
 * to `auto` (docs/breaking-changes.md:101-104); --ozone-platform=x11 runs it in XWayland.
 */
export function nativeWayland(switches, env) {
  if (process.platform !== 'linux') return false;
  const ozone = switches.get('ozone-platform');
  if (ozone === 'x11') return false;
  if (ozone === 'wayland') return true;
  return env.XDG_SESSION_TYPE === 'wayland' || Boolean(env.WAYLAND_DISPLAY);
}
