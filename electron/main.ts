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
import type { SessionState } from '../server/control/contract';
import { type Runtime, startRuntime } from '../server/runtime';
import { parseDesktopArgs } from './args';
import { ErrorLog, errorText } from './error-log';
import { type DesktopNotice, noticesFor } from './notifications';
import { createQuitSequence } from './quit';
import { createElectronSettingsStore } from './settings';
import { createTray, destroyTray, updateTray } from './tray';
import { runTrayAction, type TrayActionDeps } from './tray-actions';
import { APP_TITLE, type TrayAction, trayView } from './tray-menu';
import { MainWindow } from './window';

/** runtime.stop's own budget; the quit sequence allows a little more before exiting regardless. */
const STOP_TIMEOUT_MILLIS = 4000;
const QUIT_TIMEOUT_MILLIS = 6000;
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
app.enableSandbox();
if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);

const log = new ErrorLog(app.getPath('logs'));

let lastErrorDialog = 0;
function reportError(kind: string, error: unknown): void {
  log.write('error', `${kind}: ${errorText(error)}`);
  // One dialog at a time, at most every few seconds: a loop of errors must not bury the user.
  if (Date.now() - lastErrorDialog < 5000) return;
  lastErrorDialog = Date.now();
  const message = error instanceof Error ? error.message : String(error);
  dialog.showErrorBox(
    `${APP_TITLE}: something went wrong`,
    `${log.scrub(message)}\n\nThe details are in ${log.path}.`,
  );
}
process.on('uncaughtException', (error) => reportError('Uncaught exception', error));
process.on('unhandledRejection', (reason) => reportError('Unhandled rejection', reason));

let runtime: Runtime | null = null;
let runtimeStarting: Promise<Runtime> | null = null;
let mainWindow: MainWindow | null = null;
let showWhenCreated = !args.hidden;
/** Notifications are kept referenced until closed, or some platforms drop them early. */
const liveNotifications = new Set<Notification>();

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

function showWindow(): void {
  if (mainWindow) mainWindow.show();
  else showWhenCreated = true;
}

function notify(notice: DesktopNotice): void {
  log.write('info', `${notice.title}: ${notice.body}`);
  if (!Notification.isSupported()) return;
  const notification = new Notification({ title: notice.title, body: notice.body });
  liveNotifications.add(notification);
  const forget = () => liveNotifications.delete(notification);
  notification.on('click', () => {
    forget();
    showWindow();
  });
  notification.on('close', forget);
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
  // Linux and macOS: hold the shutdown until the tunnel and mirror are closed. Electron passes an
  // event with preventDefault (see its docs), though its typings declare the listener without one.
  const onShutdown = (event?: { preventDefault(): void }) => {
    event?.preventDefault();
    void quit.run();
  };
  powerMonitor.on('shutdown', onShutdown as () => void);

  const store = createElectronSettingsStore((secret) => log.addSecret(secret));
  runtimeStarting = startRuntime({
    store,
    uiRoot,
    uiPort: args.uiPort,
    overrides: args.overrides,
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
    isQuitting: () => quit.started,
    onSessionEnd: () => void quit.run(),
    log: (text) => log.write('warn', text),
  });
  if (showWhenCreated) mainWindow.show();

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
  process.on('SIGINT', () => void quit.run());
  process.on('SIGTERM', () => void quit.run());
  start().catch((error: unknown) => {
    reportError('The app could not start', error);
    void quit.run(1);
  });
}
