// Linux: is there anything to show the tray icon? Electron's Tray there is a StatusNotifierItem
// on the session bus, and only when no StatusNotifierWatcher owns its name does it fall back to
// GtkStatusIcon (shell/browser/ui/tray_icon_linux.cc at v41.7.1, OnImplInitializationFailed),
// which GNOME and Wayland sessions do not show. Best effort: the session bus is asked once, with
// dbus-send and a short time-out; any failure to ask is 'unknown' (then nothing changes).
// No electron import.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const STATUS_NOTIFIER_WATCHER = 'org.kde.StatusNotifierWatcher';

export type TrayHost = 'present' | 'absent' | 'unknown';

/** The session bus's address: the environment's, else systemd's usual socket; null for none. */
export function sessionBusAddress(env: NodeJS.ProcessEnv): string | null {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  if (env.DBUS_SESSION_BUS_ADDRESS === undefined && env.XDG_RUNTIME_DIR) {
    const socket = join(env.XDG_RUNTIME_DIR, 'bus');
    if (existsSync(socket)) return `unix:path=${socket}`;
  }
  return null;
}

/**
 * Asks the session bus whether a StatusNotifierWatcher (a tray host) is there. Never throws.
 * `watcher` is the bus name asked for (another only in tests).
 */
export function findTrayHost(
  env: NodeJS.ProcessEnv = process.env,
  timeoutMillis = 1500,
  watcher = STATUS_NOTIFIER_WATCHER,
): Promise<TrayHost> {
  const address = sessionBusAddress(env);
  if (address === null) return Promise.resolve('unknown');
  const args = [
    '--session',
    '--print-reply',
    `--reply-timeout=${timeoutMillis}`,
    '--dest=org.freedesktop.DBus',
    '/org/freedesktop/DBus',
    'org.freedesktop.DBus.NameHasOwner',
    `string:${watcher}`,
  ];
  return new Promise((resolve) => {
    execFile(
      'dbus-send',
      args,
      { env: busEnvironment(env, address), timeout: timeoutMillis + 500 },
      (error, stdout) => {
        if (error) resolve('unknown');
        else if (/boolean true/.test(stdout)) resolve('present');
        else if (/boolean false/.test(stdout)) resolve('absent');
        else resolve('unknown');
      },
    );
  });
}

/**
 * What dbus-send needs of the environment, and nothing else: the app's own may hold secrets
 * (NGROK_AUTHTOKEN), which a child that only asks the bus has no business seeing.
 */
function busEnvironment(env: NodeJS.ProcessEnv, address: string): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = { DBUS_SESSION_BUS_ADDRESS: address };
  for (const name of ['PATH', 'HOME', 'XDG_RUNTIME_DIR'] as const) {
    if (env[name] !== undefined) kept[name] = env[name];
  }
  return kept;
}
