// The one window: a hardened BrowserWindow showing the control API's UI. Closing it hides it (the
// app lives on in the tray); only the quit sequence lets it close. It shows on 'ready-to-show',
// opens web links in the system browser, never navigates away from the control origin, and
// remembers its size and place (restored only where a display still shows it; on Wayland only its
// size, since the compositor reports no place).
import { BrowserWindow, screen, shell } from 'electron';
import { CRASH_MEMORY_MILLIS, CrashReloads } from './crash-reload';
import {
  navigationDecision,
  originOf,
  permissionDecision,
  restoreBounds,
  type SavedBounds,
  windowOpenDecision,
  windowOptions,
} from './window-options';

export interface MainWindowOptions {
  /** control.uiUrl: the UI's address with its per-launch token. */
  url: string;
  iconPath: string | null;
  /** Where the bounds are remembered (a key of the settings store). */
  bounds: { load(): unknown; save(bounds: SavedBounds): void };
  /**
   * False where the compositor does not tell windows where they are (Wayland: getBounds() says x 0,
   * y 0, base-window.md): only the size is remembered then.
   */
  reportsPosition: boolean;
  /** The window is asked to close: true when the app is quitting, so it may really close. */
  isQuitting: () => boolean;
  /**
   * Windows is ending the session now ('session-end'; no 'before-quit' comes then). Must finish
   * before it returns: Windows may end the process as soon as the event's handlers have run.
   */
  onSessionEnd: () => void;
  /** The user closed the window (it is hidden). */
  onHidden: () => void;
  /** The page crashed again and again: it is no longer reloaded, and this says why. */
  onGaveUp: (text: string) => void;
  log: (text: string) => void;
}

export class MainWindow {
  private readonly window: BrowserWindow;
  private readonly origin: string;
  private ready = false;
  private showWhenReady = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private readonly crashes = new CrashReloads();
  private reloadTimer: NodeJS.Timeout | undefined;
  private gaveUp = false;

  constructor(private readonly options: MainWindowOptions) {
    const origin = originOf(options.url);
    if (origin === null) throw new Error(`The UI address is not a URL: ${options.url}`);
    this.origin = origin;
    const saved = restoreBounds(
      options.bounds.load(),
      screen.getAllDisplays().map((display) => display.workArea),
    );
    this.window = new BrowserWindow(windowOptions({ bounds: saved, iconPath: options.iconPath }));
    this.harden();
    this.window.once('ready-to-show', () => {
      this.ready = true;
      if (this.showWhenReady) this.reveal();
    });
    this.window.on('close', (event) => {
      this.saveBounds();
      if (!options.isQuitting()) {
        event.preventDefault();
        this.window.hide();
        options.onHidden();
      }
    });
    // Windows: 'query-session-end' only asks. Unprevented, Electron answers yes at once
    // (native_window_views_win.cc, WM_QUERYENDSESSION), and the log-off may still be cancelled,
    // in which case no 'session-end' follows (WM_ENDSESSION with wParam FALSE): so nothing stops
    // here. 'session-end' is final, and the handler must finish before returning.
    this.window.on('query-session-end', () =>
      options.log('Windows asks whether the session may end; the app carries on until it does.'),
    );
    this.window.on('session-end', () => options.onSessionEnd());
    this.window.on('resize', () => this.saveBoundsSoon());
    this.window.on('move', () => this.saveBoundsSoon());
    this.window.webContents.on('render-process-gone', (_event, details) => {
      if (details.reason === 'clean-exit' || this.window.isDestroyed() || options.isQuitting()) return;
      this.onCrash(details.reason);
    });
    void this.load();
  }

  get browserWindow(): BrowserWindow {
    return this.window;
  }

  /** Shows and focuses the window (once its page is ready). */
  show(): void {
    if (this.window.isDestroyed()) return;
    if (this.gaveUp) {
      // Asked for again after its page kept crashing: one more try, counted afresh.
      this.gaveUp = false;
      this.crashes.reset();
      void this.load();
    }
    if (!this.ready) {
      this.showWhenReady = true;
      return;
    }
    this.reveal();
  }

  private reveal(): void {
    if (this.window.isMinimized()) this.window.restore();
    // show() on a window already shown re-orders it and, on macOS, activates the app again.
    if (!this.window.isVisible()) this.window.show();
    this.window.focus();
  }

  private onCrash(reason: string): void {
    const decision = this.crashes.next(Date.now());
    clearTimeout(this.reloadTimer);
    if ('giveUp' in decision) {
      this.gaveUp = true;
      const text = `The window's page crashed ${decision.crashes} times in ${CRASH_MEMORY_MILLIS / 60_000} minutes (last: ${reason}), so it is not reloaded any more; the mirror and the tunnel keep running. Choose Show window to try again.`;
      this.options.log(text);
      this.options.onGaveUp(text);
      return;
    }
    this.options.log(
      `The window's page stopped (${reason}); reloading it in ${decision.reloadInMillis / 1000} s.`,
    );
    this.reloadTimer = setTimeout(() => {
      if (!this.window.isDestroyed()) void this.load();
    }, decision.reloadInMillis);
  }

  private async load(): Promise<void> {
    try {
      await this.window.loadURL(this.options.url);
    } catch (error) {
      this.options.log(`The window could not load the UI: ${(error as Error).message}`);
    }
  }

  private harden(): void {
    const contents = this.window.webContents;
    contents.setWindowOpenHandler(({ url }) => {
      const decision = windowOpenDecision(url, this.origin);
      if (decision.openExternal) void shell.openExternal(decision.openExternal);
      return { action: 'deny' };
    });
    const guard = (event: Electron.Event, url: string) => {
      const decision = navigationDecision(url, this.origin);
      if (decision.allow) return;
      event.preventDefault();
      if (decision.openExternal) void shell.openExternal(decision.openExternal);
    };
    contents.on('will-navigate', (event) => guard(event, event.url));
    contents.on('will-redirect', (event) => guard(event, event.url));
    contents.on('will-attach-webview', (event) => event.preventDefault());
    const session = contents.session;
    session.setPermissionRequestHandler((_contents, permission, callback, details) =>
      callback(permissionDecision(permission, details.requestingUrl, this.origin)),
    );
    session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
      permissionDecision(permission, requestingOrigin, this.origin),
    );
  }

  private saveBoundsSoon(): void {
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.saveBounds(), 500);
  }

  private saveBounds(): void {
    clearTimeout(this.saveTimer);
    if (this.window.isDestroyed() || this.window.isMinimized() || this.window.isFullScreen()) return;
    try {
      const { x, y, width, height } = this.window.getNormalBounds();
      this.options.bounds.save(this.options.reportsPosition ? { x, y, width, height } : { width, height });
    } catch (error) {
      this.options.log(`Could not remember the window's place: ${(error as Error).message}`);
    }
  }
}
