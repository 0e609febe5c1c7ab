// The tray icon and its menu. The Tray object lives in module scope (a collected Tray loses its
// icon); the icon, tooltip and menu are rebuilt from trayView(state) on every 'state' event.
import { join } from 'node:path';
import { Menu, type MenuItemConstructorOptions, nativeImage, Tray } from 'electron';
import type { SessionState } from '../server/contract/contract';
import {
  menuLabel,
  type TrayAction,
  type TrayIconName,
  type TrayMenuItem,
  trayClickShowsWindow,
  trayIconFile,
  trayView,
} from './tray-menu';

let tray: Tray | null = null;
const icons = new Map<TrayIconName, Electron.NativeImage>();

export interface TrayOptions {
  assetsDir: string;
  initialState: SessionState;
  onAction: (action: TrayAction) => void;
  /** A click on the icon (Windows, Linux where delivered): shows the window. Not bound on macOS. */
  onClick: () => void;
}

function icon(assetsDir: string, name: TrayIconName): Electron.NativeImage {
  let image = icons.get(name);
  if (!image) {
    image = nativeImage.createFromPath(join(assetsDir, trayIconFile(name, process.platform)));
    if (process.platform === 'darwin') image.setTemplateImage(true);
    icons.set(name, image);
  }
  return image;
}

export function toMenuTemplate(
  items: TrayMenuItem[],
  onAction: (action: TrayAction) => void,
): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if ('separator' in item) return { type: 'separator' };
    const label = menuLabel(item.label);
    const { enabled, action } = item;
    return action === null ? { label, enabled: false } : { label, enabled, click: () => onAction(action) };
  });
}

let assets = '';
let handler: (action: TrayAction) => void = () => undefined;
let lastIcon: TrayIconName | null = null;

export function createTray(options: TrayOptions): Tray {
  assets = options.assetsDir;
  handler = options.onAction;
  const view = trayView(options.initialState);
  tray = new Tray(icon(assets, view.icon));
  lastIcon = view.icon;
  if (trayClickShowsWindow(process.platform)) tray.on('click', options.onClick);
  updateTray(options.initialState);
  return tray;
}

export function updateTray(state: SessionState): void {
  if (!tray || tray.isDestroyed()) return;
  const view = trayView(state);
  if (view.icon !== lastIcon) {
    tray.setImage(icon(assets, view.icon));
    lastIcon = view.icon;
  }
  tray.setToolTip(view.tooltip);
  tray.setContextMenu(Menu.buildFromTemplate(toMenuTemplate(view.menu, handler)));
}

export function destroyTray(): void {
  tray?.destroy();
  tray = null;
}
