// What the tray shows, as a pure function of the session state: the icon, the tooltip and the
// context menu's template. No electron import: tray.ts maps these plain objects onto Electron's
// Menu and Tray, and the tests check them directly. Every action is in the menu, because a click
// on the tray icon is unreliable on Linux.
import { SESSION_PHASES, type SessionPhase, type SessionState } from '../server/contract/contract';

export type TrayAction =
  | 'show'
  | 'copy-url'
  | 'copy-api-key'
  | 'copy-connection-details'
  | 'self-test'
  | 'stop-cleanup'
  | 'start'
  | 'quit';

export type TrayIconName = 'local' | 'online' | 'reconnecting' | 'error' | 'stopped';

/** A menu line; `action: null` is a line that only informs (the state, the URL). */
export interface TrayMenuEntry {
  label: string;
  enabled: boolean;
  action: TrayAction | null;
}

export type TrayMenuItem = TrayMenuEntry | { separator: true };

export interface TrayView {
  icon: TrayIconName;
  tooltip: string;
  menu: TrayMenuItem[];
}

export const APP_TITLE = 'StackState Mirror Tray';

/** Windows cuts tray tooltips at 127 characters. */
export const TOOLTIP_MAX = 127;

export const PHASE_LABELS: Record<SessionPhase, string> = {
  stopped: 'Stopped',
  starting: 'Starting…',
  local: 'Running locally',
  connecting: 'Connecting the tunnel…',
  online: 'Online',
  reconnecting: 'Reconnecting…',
  'tunnel-error': 'Tunnel failed, serving locally',
  error: 'Error: the mirror is not running',
  stopping: 'Stopping…',
};

export const PHASE_ICONS: Record<SessionPhase, TrayIconName> = {
  stopped: 'stopped',
  stopping: 'stopped',
  starting: 'reconnecting',
  connecting: 'reconnecting',
  reconnecting: 'reconnecting',
  local: 'local',
  online: 'online',
  'tunnel-error': 'error',
  error: 'error',
};

/** Phases in which the mirror is (or is becoming) up, so Start makes no sense: all but the two at rest. */
const RUNNING: ReadonlySet<SessionPhase> = new Set(
  SESSION_PHASES.filter((phase) => phase !== 'stopped' && phase !== 'error'),
);

export const MENU_LABELS: Record<TrayAction, string> = {
  show: 'Show window',
  'copy-url': 'Copy Mirror URL',
  'copy-api-key': 'Copy API key',
  'copy-connection-details': 'Copy connection details',
  'self-test': 'Self-test',
  'stop-cleanup': 'Stop & clean up',
  start: 'Start',
  quit: 'Quit',
};

const entry = (action: TrayAction, enabled: boolean): TrayMenuEntry => ({
  label: MENU_LABELS[action],
  enabled,
  action,
});

export function trayMenu(state: SessionState): TrayMenuItem[] {
  const { phase, connection } = state;
  const running = RUNNING.has(phase);
  const busy = phase === 'starting' || phase === 'stopping';
  const hasUrl = connection.mirrorUrl !== null;
  const items: TrayMenuItem[] = [{ label: PHASE_LABELS[phase], enabled: false, action: null }];
  // Linux trays often show no tooltip: the URL is in the menu as well.
  if (connection.mirrorUrl) items.push({ label: connection.mirrorUrl, enabled: false, action: null });
  items.push(
    { separator: true },
    entry('show', true),
    { separator: true },
    entry('copy-url', hasUrl),
    entry('copy-api-key', Boolean(connection.apiKey)),
    entry('copy-connection-details', connection.connectionDetails !== ''),
    { separator: true },
    entry('self-test', hasUrl && state.mirror.localUrl !== null && !busy),
    entry('stop-cleanup', phase !== 'stopping'),
    entry('start', !running),
    { separator: true },
    entry('quit', true),
  );
  return items;
}

export function trayTooltip(state: SessionState): string {
  const url = state.tunnel.publicUrl ?? state.connection.mirrorUrl;
  const text = `${APP_TITLE}: ${PHASE_LABELS[state.phase]}${url ? `\n${url}` : ''}`;
  return text.length <= TOOLTIP_MAX ? text : `${text.slice(0, TOOLTIP_MAX - 1)}…`;
}

export function trayView(state: SessionState): TrayView {
  return { icon: PHASE_ICONS[state.phase], tooltip: trayTooltip(state), menu: trayMenu(state) };
}

/** The file name of a tray icon on a platform (see scripts/make-icons.mjs). */
export function trayIconFile(icon: TrayIconName, platform: NodeJS.Platform): string {
  if (platform === 'darwin') return `tray-${icon}Template.png`; // @2x is picked up next to it
  if (platform === 'win32') return `tray-${icon}.ico`;
  return `tray-${icon}.png`;
}

/**
 * A label as Electron's menus must be given it: a single '&' marks the next letter as a mnemonic
 * and is not shown (Windows menus; ConvertAcceleratorsFromWindowsStyle on Linux, menu_util.cc;
 * FixUpWindowsStyleLabel on macOS, electron_menu_controller.mm), so a literal '&' is written '&&'.
 */
export function menuLabel(text: string): string {
  return text.replaceAll('&', '&&');
}

/**
 * Whether a click on the tray icon shows the window. Not on macOS: there a click opens the tray's
 * menu, and a click handler would open the window under it as well.
 */
export function trayClickShowsWindow(platform: NodeJS.Platform): boolean {
  return platform !== 'darwin';
}
