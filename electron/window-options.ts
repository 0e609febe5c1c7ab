// The window's options and its security decisions, as pure functions (types only from electron):
// what it may navigate to, what it may open, which permissions it gets, where it reappears.
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';

export const WINDOW_WIDTH = 420;
export const WINDOW_HEIGHT = 720;

/** A window's remembered place: its size, and its position where the compositor reports one. */
export type SavedBounds = Pick<Rectangle, 'width' | 'height'> & Partial<Pick<Rectangle, 'x' | 'y'>>;

export function windowOptions(
  options: { bounds?: SavedBounds | null; iconPath?: string | null; title?: string } = {},
): BrowserWindowConstructorOptions {
  const { bounds, iconPath, title = 'StackState Mirror Tray' } = options;
  return {
    title,
    width: bounds?.width ?? WINDOW_WIDTH,
    height: bounds?.height ?? WINDOW_HEIGHT,
    ...(bounds?.x !== undefined && bounds.y !== undefined ? { x: bounds.x, y: bounds.y } : {}),
    minWidth: 360,
    minHeight: 480,
    // Shown on 'ready-to-show', so it never flashes empty.
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#ffffff',
    ...(iconPath ? { icon: iconPath } : {}),
    webPreferences: {
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInSubFrames: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      // No preload: the page talks HTTP to the control API.
    },
  };
}

const isWebUrl = (url: URL): boolean => url.protocol === 'http:' || url.protocol === 'https:';

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/** `origin` of the control API, e.g. http://127.0.0.1:51234 */
export function originOf(url: string): string | null {
  return parse(url)?.origin ?? null;
}

export interface LinkDecision {
  /** Whether the window itself may go there. */
  allow: boolean;
  /** A web address to hand to the system browser instead, or null. */
  openExternal: string | null;
}

/** `will-navigate` / `will-redirect`: the window only ever shows the control API's own pages. */
export function navigationDecision(target: string, controlOrigin: string): LinkDecision {
  const url = parse(target);
  if (url === null) return { allow: false, openExternal: null };
  if (url.origin === controlOrigin) return { allow: true, openExternal: null };
  return { allow: false, openExternal: isWebUrl(url) ? url.href : null };
}

/** `setWindowOpenHandler`: never a new Electron window; web links go to the system browser. */
export function windowOpenDecision(target: string, controlOrigin: string): LinkDecision {
  const url = parse(target);
  // The control origin's pages carry the per-launch token: they stay in this window.
  if (url === null || url.origin === controlOrigin || !isWebUrl(url))
    return { allow: false, openExternal: null };
  return { allow: false, openExternal: url.href };
}

/** Permissions: the page may write to the clipboard (its Copy buttons), nothing else. */
export function permissionDecision(
  permission: string,
  requestingUrl: string,
  controlOrigin: string,
): boolean {
  const allowed = permission === 'clipboard-sanitized-write';
  return allowed && originOf(requestingUrl) === controlOrigin;
}

/** How much of the window must be on a display for saved bounds to be reused (its title bar, mostly). */
const MIN_VISIBLE = { width: 120, height: 40 };

/**
 * The saved bounds, if they are sane and enough of the window's top lands on one of the displays'
 * work areas (a display may have been unplugged since); otherwise null, for the default placement.
 * A size saved without a position (Wayland reports none) is kept, and the window manager places it.
 */
export function restoreBounds(saved: unknown, workAreas: Rectangle[]): SavedBounds | null {
  if (typeof saved !== 'object' || saved === null) return null;
  const { x, y, width, height } = saved as Record<string, unknown>;
  const isNumber = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n);
  if (!isNumber(width) || !isNumber(height)) return null;
  if (width < 200 || height < 200 || width > 10_000 || height > 10_000) return null;
  if (x === undefined && y === undefined) return { width, height };
  if (!isNumber(x) || !isNumber(y)) return null;
  const bounds = { x, y, width, height };
  const titleBar = { x: bounds.x, y: bounds.y, width: bounds.width, height: MIN_VISIBLE.height };
  const visible = workAreas.some((area) => {
    const w = Math.min(titleBar.x + titleBar.width, area.x + area.width) - Math.max(titleBar.x, area.x);
    const h = Math.min(titleBar.y + titleBar.height, area.y + area.height) - Math.max(titleBar.y, area.y);
    return w >= MIN_VISIBLE.width && h >= MIN_VISIBLE.height;
  });
  return visible ? bounds : null;
}

/**
 * Whether the window's position can be read back (Linux: not when Electron runs as a native Wayland
 * client, where getBounds() says x 0, y 0: base-window.md at v41.7.1). Since Electron 38 the
 * default --ozone-platform is `auto`: native Wayland in a Wayland session (breaking-changes.md);
 * --ozone-platform=x11 runs it in XWayland, which reports positions.
 */
export function reportsWindowPosition(
  platform: NodeJS.Platform,
  ozonePlatform: string,
  env: NodeJS.ProcessEnv,
): boolean {
  if (platform !== 'linux') return true;
  if (ozonePlatform === 'x11') return true;
  if (ozonePlatform === 'wayland') return false;
  return env.XDG_SESSION_TYPE !== 'wayland' && !env.WAYLAND_DISPLAY;
}
