// The desktop app's lifecycle: one instance, the same runtime as the headless mode (session +
// control API), a tray that outlives the window, and an ordered quit (tunnel → mirror → control →
// app) that always ends within a time-out. Built by scripts/build.mjs to dist/electron/main.js (ESM).
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  app,
  clipboard,
  dialog,
  Menu,
  type MenuItemConstructorOptions,
  Notification,
  powerMonitor,
} from 'electron';
import type { SessionState } from '../server/contract/contract';
import { type Runtime, startRuntime } from '../server/runtime';
import { setNgrokChildOutput } from '../server/tunnel/child-output';
import { NgrokTunnel } from '../server/tunnel/ngrok';
import { killNgrokChildrenNow } from '../server/tunnel/ngrok-child-process';
import { createDefaultTunnel, type TunnelFactory } from '../server/tunnel/plan';
import { parseDesktopArgs } from './args';
import { DockIcon } from './dock';
import { ErrorLog, errorText } from './error-log';
import { KeptNotifications } from './kept-notifications';
import { type DesktopNotice, noticesFor } from './notifications';
import { createQuitSequence, QUIT_TIMEOUT_MILLIS, STOP_TIMEOUT_MILLIS } from './quit';
import { NO_SANDBOX_SWITCH, sandboxOffNotice, tellOnce } from './sandbox';
import { createElectronSettingsStore } from './settings';
import { createTray, destroyTray, updateTray } from './tray';
import { runTrayAction, type TrayActionDeps } from './tray-actions';
import { findTrayHost } from './tray-host';
import { APP_TITLE, type TrayAction, trayView } from './tray-menu';
import { MainWindow } from './window';
import { reportsWindowPosition } from './window-options';

const APP_USER_MODEL_ID = 'io.stackstate.mirror-tray';

process.setSourceMapsEnabled(true);

const here = fileURLToPath(new URL('.', import.meta.url));
const assetsDir = join(here, 'assets');
const uiRoot = join(here, '..', 'renderer');

// argv: [electron, app path, ...] in development, [app, ...] when packaged; unknown entries are skipped.
const args = parseDesktopArgs(process.argv.slice(1));
const userDataDir = args.userDataDir ? resolve(args.userDataDir) : null;
if (userDataDir) {
  // setPath throws for a folder that does not exist yet.
  mkdirSync(userDataDir, { recursive: true });
  app.setPath('userData', userDataDir);
}
app.setAppLogsPath(userDataDir ? join(userDataDir, 'logs') : undefined);
// Checked before enableSandbox, which removes the switch; both only before 'ready' (see sandbox.ts).
const sandboxOff = app.commandLine.hasSwitch(NO_SANDBOX_SWITCH);
if (!sandboxOff) app.enableSandbox();
if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

const log = new ErrorLog(app.getPath('logs'));

let lastErrorDialog = 0;
/**
 * Logs the error and shows it in an asynchronous message box: showErrorBox would be modal and
 * synchronous in the process that serves the mirror, stalling every request until it is closed.
 * Resolves when the box is closed (or at once when none is shown).
 */
async function reportError(kind: string, error: unknown): Promise<void> {
  log.write('error', `${kind}: ${errorText(error)}`);
  // At most one box every few seconds: a loop of errors must not bury the user.
  if (Date.now() - lastErrorDialog < 5000) return;
  lastErrorDialog = Date.now();
  const message = error instanceof Error ? error.message : String(error);
  try {
    await dialog.showMessageBox({
      type: 'error',
      title: APP_TITLE,
      message: `${APP_TITLE}: something went wrong`,
      detail: `${log.scrub(message)}\n\nThe details are in ${log.path}.`,
    });
  } catch {
    // No dialog (before 'ready' on some platforms): the log has it.
  }
}
process.on('uncaughtException', (error) => void reportError('Uncaught exception', error));
process.on('unhandledRejection', (reason) => void reportError('Unhandled rejection', reason));
// The ngrok child's output: into main.log (scrubbed), since a packaged app has no console.
setNgrokChildOutput((text, stream) => log.write('warn', `ngrok child ${stream}: ${text.trimEnd()}`));

let runtime: Runtime | null = null;
let runtimeStarting: Promise<Runtime> | null = null;
let mainWindow: MainWindow | null = null;
let showWhenCreated = !args.hidden;
/** Notifications are kept referenced while they can still be clicked, or some platforms drop them early. */
const liveNotifications = new KeptNotifications<Notification>();

const quit = createQuitSequence({
  timeoutMillis: QUIT_TIMEOUT_MILLIS,
  stopRuntime: async () => {
    const running = runtime ?? (await runtimeStarting?.catch(() => null)) ?? null;
    await running?.stop(STOP_TIMEOUT_MILLIS);
    log.write('info', 'Quit: tunnel, mirror and control API are stopped.');
  },
  exitApp: (code) => {
    destroyTray();
    app.exit(code);
  },
  onProblem: (problem) => log.write('warn', `Quit: ${problem}`),
});

/** macOS: a tray app has a Dock icon only while its window is shown (see dock.ts). */
const dock = new DockIcon(app.dock);

/** Shows the window once the Dock icon is there (macOS), or as soon as the window exists. */
function showWindow(): void {
  showWhenCreated = true;
  void (async () => {
    if ((await dock.show()) && !quit.started) mainWindow?.show();
  })();
}

/**
 * Windows ends the session ('session-end'): it may end the process as soon as this returns, so
 * everything here is synchronous: the tunnel's child killed, the log written, then app.exit().
 */
function endSessionNow(): void {
  const killed = killNgrokChildrenNow();
  log.write(
    'info',
    `Windows is ending the session: ${killed > 0 ? 'the tunnel child was killed, and ' : ''}the app exits now.`,
  );
  destroyTray();
  app.exit(0);
}

/** Linux: without a tray host, a --hidden start would show nothing at all. */
async function neverInvisible(): Promise<void> {
  if (process.platform !== 'linux' || showWhenCreated) return;
  const host = await findTrayHost();
  if (host !== 'absent' || showWhenCreated || quit.started) return;
  const text =
    'No tray host was found on this desktop (nothing owns org.kde.StatusNotifierWatcher on the session bus), so the tray icon may not show: the window is shown instead. On GNOME, the AppIndicator extension adds a tray.';
  log.write('warn', text);
  notify({ title: APP_TITLE, body: text });
  showWindow();
}

function notify(notice: DesktopNotice): void {
  log.write('info', `${notice.title}: ${notice.body}`);
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: notice.title, body: notice.body });
  liveNotifications.keep(notification);
  notification.on('click', showWindow);
  notification.show();
}

function applicationMenu(): Menu {
  const mac = process.platform === 'darwin';
  const template: MenuItemConstructorOptions[] = [
    ...(mac
      ? [{ role: 'appMenu' as const }]
      : [{ label: 'File', submenu: [{ role: 'close' as const }, { role: 'quit' as const }] }]),
    { role: 'editMenu' },
    ...(app.isPackaged
      ? []
      : [{ label: 'Develop', submenu: [{ role: 'reload' as const }, { role: 'toggleDevTools' as const }] }]),
    { role: 'windowMenu' },
  ];
  return Menu.buildFromTemplate(template);
}

async function start(): Promise<void> {
  await app.whenReady();
  Menu.setApplicationMenu(applicationMenu());
  if (!showWhenCreated) dock.hide();
  if (sandboxOff) {
    const notice = sandboxOffNotice(process.platform);
    log.write('warn', `${notice.title}: ${notice.body}`);
    tellOnce(join(app.getPath('userData'), 'sandbox-off-told'), () => notify(notice));
  }
  // Signals: Chromium installs its own SIGINT/SIGTERM/SIGHUP handlers before 'ready', replacing
  // Node's, and quits on the first one only: a second signal kills the app at once
  // (electron_browser_main_parts_posix.cc). Handlers added now replace Chromium's, so any number
  // of signals join the one quit sequence.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void quit.run());
  // Linux and macOS: hold the shutdown until the tunnel and mirror are closed. Electron passes an
  // event with preventDefault (see its docs), though its typings declare the listener without one.
  const onShutdown = (event?: { preventDefault(): void }) => {
    event?.preventDefault();
    void quit.run();
  };
  // Electron starts listening for logind's shutdown when powerMonitor gets its first listener of
  // any event, and only if a 'shutdown' listener is already there at that moment
  // (lib/browser/api/power-monitor.ts): so 'shutdown' must not be the first.
  powerMonitor.on('resume', () => log.write('info', 'The computer woke from sleep.'));
  powerMonitor.on('shutdown', onShutdown as () => void);

  const store = createElectronSettingsStore((secret) => log.addSecret(secret));
  runtimeStarting = startRuntime({
    store,
    uiRoot,
    uiPort: args.uiPort,
    overrides: args.overrides,
    tunnelFactory: e2eTunnelFactory() ?? createDefaultTunnel,
  });
  const started = await runtimeStarting;
  runtime = started;
  if (quit.started) return;
  const { session, control } = started;
  log.addSecret(control.token);
  log.write('info', `Started ${APP_TITLE} ${app.getVersion()}; settings in ${store.location}.`);

  const deps: TrayActionDeps = {
    state: () => session.state,
    clipboard,
    session: {
      start: () => session.start(),
      cleanup: () => session.cleanup({}),
      selfTest: () => session.selfTest(),
    },
    showWindow,
    notify,
    quit: () => app.quit(),
  };
  const onTrayAction = (action: TrayAction) => void runTrayAction(action, deps);

  mainWindow = new MainWindow({
    url: control.uiUrl,
    iconPath: process.platform === 'linux' ? join(assetsDir, 'icon.png') : null,
    bounds: { load: () => store.windowBounds(), save: (bounds) => store.saveWindowBounds(bounds) },
    reportsPosition: reportsWindowPosition(
      process.platform,
      app.commandLine.getSwitchValue('ozone-platform'),
      process.env,
    ),
    isQuitting: () => quit.started,
    onSessionEnd: endSessionNow,
    onHidden: () => dock.hide(),
    onGaveUp: (text) => notify({ title: APP_TITLE, body: text }),
    log: (text) => log.write('warn', text),
  });
  if (showWhenCreated) showWindow();

  createTray({ assetsDir, initialState: session.state, onAction: onTrayAction, onClick: showWindow });
  let previous: SessionState | null = null;
  const onState = (state: SessionState) => {
    updateTray(state);
    for (const notice of noticesFor(previous, state)) notify(notice);
    previous = state;
  };
  session.on('state', onState);
  onState(session.state);
  session.on('notice', (text) => notify({ title: APP_TITLE, body: text }));
  // Settings repaired on load were announced before anyone could listen: say them now.
  for (const warning of session.startupWarnings) notify({ title: APP_TITLE, body: warning });
  if (args.error) notify({ title: 'Command-line options ignored', body: args.error });
  for (const warning of args.warnings) notify({ title: APP_TITLE, body: warning });
  void neverInvisible();

  if (process.env.MIRROR_TRAY_E2E === '1') {
    // For the Playwright suite only: the tray's menu cannot be clicked from a test driver.
    Object.assign(globalThis, {
      mirrorTrayTest: {
        state: () => session.state,
        trayView: () => trayView(session.state),
        trayAction: (action: TrayAction) => runTrayAction(action, deps),
        uiUrl: control.uiUrl,
        controlPort: control.port,
        logPath: log.path,
        settingsPath: store.location,
      },
    });
  }
}

/**
 * For the Playwright suite only (MIRROR_TRAY_E2E=1): MIRROR_TRAY_E2E_NGROK_SERVER_ADDR points the
 * ngrok child at a local address instead of ngrok's servers, so a test never contacts ngrok.
 */
function e2eTunnelFactory(): TunnelFactory | null {
  const serverAddr = process.env.MIRROR_TRAY_E2E_NGROK_SERVER_ADDR;
  if (process.env.MIRROR_TRAY_E2E !== '1' || !serverAddr) return null;
  return (plan) =>
    plan.kind === 'none'
      ? createDefaultTunnel(plan)
      : new NgrokTunnel({
          authtoken: plan.authtoken,
          domain: plan.domain,
          allowCidrs: plan.allowCidrs,
          serverAddr,
        });
}

if (!app.requestSingleInstanceLock()) {
  // Another instance runs: it shows its window (its 'second-instance' event); this one leaves.
  app.quit();
} else {
  app.on('second-instance', showWindow);
  app.on('activate', showWindow);
  // The window only hides; the app lives in the tray until Quit.
  app.on('window-all-closed', () => undefined);
  app.on('before-quit', (event) => {
    if (quit.finished) return;
    event.preventDefault();
    void quit.run();
  });
  start().catch(async (error: unknown) => {
    await reportError('The app could not start', error);
    void quit.run(1);
  });
}
