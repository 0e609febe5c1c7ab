// Desktop notifications have to stay referenced while they can still be clicked, or some platforms
// drop them (and their click handler) early. But a notification server may never say 'close' (a
// Linux daemon that keeps them, a Windows Action Center entry), so each is kept only until it is
// closed, fails, or has been out for KEEP_MILLIS, and never more than MAX_KEPT at once (the oldest
// goes first): the set cannot grow without bound however many notices the session produces.

export const KEEP_MILLIS = 60_000;
export const MAX_KEPT = 20;

/** The part of Electron's Notification this needs (an EventEmitter). */
export interface KeepableNotification {
  once(event: 'close' | 'failed', listener: () => void): unknown;
}

export class KeptNotifications<T extends KeepableNotification> {
  private readonly kept = new Map<T, NodeJS.Timeout>();

  constructor(
    private readonly keepMillis = KEEP_MILLIS,
    private readonly maxKept = MAX_KEPT,
  ) {}

  get size(): number {
    return this.kept.size;
  }

  keep(notification: T): void {
    if (this.kept.size >= this.maxKept) {
      const oldest = this.kept.keys().next().value;
      if (oldest !== undefined) this.forget(oldest);
    }
    const timer = setTimeout(() => this.forget(notification), this.keepMillis);
    timer.unref();
    this.kept.set(notification, timer);
    const forget = () => this.forget(notification);
    notification.once('close', forget);
    notification.once('failed', forget);
  }

  private forget(notification: T): void {
    clearTimeout(this.kept.get(notification));
    this.kept.delete(notification);
  }
}
