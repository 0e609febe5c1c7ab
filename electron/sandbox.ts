// Chromium's sandbox as it really is. A `--no-sandbox` on the command line was seen by Chromium
// before main.js ran: its zygote is already unsandboxed. app.enableSandbox() would then remove the
// switch (electron_api_app.cc at v41.7.1, RemoveNoSandboxSwitch and App::EnableSandbox) and leave
// the renderers in a mixed state nobody has verified, so it is not called; the user is told once.
// electron-builder's AppImage adds `--no-sandbox` where unprivileged user namespaces are restricted
// (AppRun: `unshare -Ur true` fails, app-builder-lib appImageUtil.js generateAppRunScript), and its
// .desktop entry always passes it (AppImageTarget.js). No electron import.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DesktopNotice } from './notifications';

export const NO_SANDBOX_SWITCH = 'no-sandbox';

/** What the user reads once, and the log each time. */
export function sandboxOffNotice(platform: NodeJS.Platform): DesktopNotice {
  const linux =
    platform === 'linux'
      ? ' The AppImage does this where user namespaces are restricted, as on Ubuntu 24.04 and later: install the .deb package instead, which keeps the sandbox on.'
      : '';
  return {
    title: 'Running without the sandbox',
    body: `The app was started with --no-sandbox, so its window runs without Chromium's sandbox.${linux}`,
  };
}

/**
 * Runs `tell` unless the marker file exists, then creates it: a notice shown once per user-data
 * folder. Returns whether it told. A marker that cannot be written only means telling again.
 */
export function tellOnce(markerPath: string, tell: () => void): boolean {
  if (existsSync(markerPath)) return false;
  tell();
  try {
    mkdirSync(dirname(markerPath), { recursive: true });
    writeFileSync(markerPath, `${new Date().toISOString()}\n`, { mode: 0o600 });
  } catch {
    // Told again next time.
  }
  return true;
}
