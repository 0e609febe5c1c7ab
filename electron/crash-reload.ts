// When the window's page crashes, it is reloaded after a growing pause; after a few crashes in a
// short time the app stops and says so, instead of reloading a page that crashes at once forever.

/** The pause before the 1st, 2nd and 3rd reload; one more crash within CRASH_MEMORY_MILLIS gives up. */
export const RELOAD_DELAYS_MILLIS = [1000, 5000, 15_000] as const;
/** Crashes older than this are forgotten. */
export const CRASH_MEMORY_MILLIS = 5 * 60_000;

export type CrashDecision = { reloadInMillis: number } | { giveUp: true; crashes: number };

export class CrashReloads {
  private crashes: number[] = [];

  /** A crash at `now` (ms): when to reload, or to give up. */
  next(now: number): CrashDecision {
    this.crashes = this.crashes.filter((at) => now - at < CRASH_MEMORY_MILLIS);
    this.crashes.push(now);
    const delay = RELOAD_DELAYS_MILLIS[this.crashes.length - 1];
    return delay === undefined ? { giveUp: true, crashes: this.crashes.length } : { reloadInMillis: delay };
  }

  /** The user asked for the window again: start counting afresh. */
  reset(): void {
    this.crashes = [];
  }
}
