// macOS: a tray app has a Dock icon only while its window is shown. Electron's Dock has two rules
// this follows (shell/browser/browser_mac.mm at v41.7.1): show() is asynchronous (it activates the
// Dock, waits 1 s, turns the app into a foreground app, waits 1 s more, then re-activates it), and
// hide() does nothing within 1 s of a show(). So the window is shown and focused after show()
// settles (else it loses focus meanwhile), and a hide that came too early is tried again.
// No electron import: the Dock is passed in (app.dock, undefined outside macOS).

/** The part of Electron's app.dock this uses. */
export interface Dock {
  show(): Promise<void>;
  hide(): void;
}

/** Electron ignores a hide this soon after a show (browser_mac.mm, Browser::DockHide). */
const DOCK_HIDE_IGNORED_MILLIS = 1000;

export class DockIcon {
  private lastShow = Number.NEGATIVE_INFINITY;
  private wanted: 'shown' | 'hidden' | null = null;
  private retry: NodeJS.Timeout | undefined;
  private showing = false;

  constructor(
    private readonly dock: Dock | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Resolves once the Dock icon is there (at once outside macOS): true if it is still wanted then,
   * false if a hide came meanwhile (the window was closed again: do not show it).
   */
  async show(): Promise<boolean> {
    clearTimeout(this.retry);
    this.wanted = 'shown';
    if (!this.dock) return true;
    this.lastShow = this.now();
    this.showing = true;
    try {
      await this.dock.show();
    } finally {
      this.showing = false;
    }
    // Hidden again while it was appearing: now that it is there, hide it.
    if ((this.wanted as 'shown' | 'hidden') === 'hidden') {
      this.hide();
      return false;
    }
    return true;
  }

  /** Hides the icon; a hide Electron would ignore (too soon after a show) is made again later. */
  hide(): void {
    clearTimeout(this.retry);
    this.wanted = 'hidden';
    if (!this.dock || this.showing) return;
    const wait = this.lastShow + DOCK_HIDE_IGNORED_MILLIS - this.now();
    if (wait <= 0) {
      this.dock.hide();
      return;
    }
    // A little past the second, so Electron's own clock has passed it too.
    this.retry = setTimeout(() => {
      if (this.wanted === 'hidden') this.hide();
    }, wait + 50);
  }
}
