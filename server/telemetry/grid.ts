// The demo's time grid: every series has a sample at each multiple of NATIVE_STEP_MILLIS since the
// epoch (grid point g is at g × 10 s), except while its host is offline. Everything here is
// arithmetic, so counting the samples of any time range costs the same however wide the range is.

/** The demo's native resolution: one sample per series every 10 s, like a common scrape interval. */
export const NATIVE_STEP_MILLIS = 10_000;
export const DAY_MILLIS = 86_400_000;

/**
 * Which grid points of one series hold a sample. Online points are numbered 0, 1, 2... from the
 * epoch; the numbering is what lets a whole month of samples be counted in O(1).
 */
export interface Availability {
  /** How many online grid points lie in [0, t). It is also the index of the first one at or after t. */
  countBefore(t: number): number;
  /** The time of the online grid point with this index. */
  timeOf(index: number): number;
}

/** Grid points in [0, t): also the number of the first grid point at or after t. */
export const gridPointsBefore = (t: number) => Math.ceil(t / NATIVE_STEP_MILLIS);

export const alwaysOnline: Availability = {
  countBefore: gridPointsBefore,
  timeOf: (index) => index * NATIVE_STEP_MILLIS,
};

/** Offline every day (UTC) from `startMillis` after midnight for `durationMillis`, both whole steps. */
export function dailyOutage(startMillis: number, durationMillis: number): Availability {
  const perDay = DAY_MILLIS / NATIVE_STEP_MILLIS;
  const offFirst = startMillis / NATIVE_STEP_MILLIS;
  const offCount = durationMillis / NATIVE_STEP_MILLIS;
  const onPerDay = perDay - offCount;
  if (!Number.isInteger(offFirst) || !Number.isInteger(offCount) || offFirst + offCount > perDay) {
    throw new Error('an outage must be whole grid steps within one day');
  }
  return {
    countBefore(t) {
      const points = gridPointsBefore(t);
      const day = Math.floor(points / perDay);
      const intoDay = points - day * perDay;
      const onlineIntoDay =
        intoDay <= offFirst ? intoDay : intoDay >= offFirst + offCount ? intoDay - offCount : offFirst;
      return day * onPerDay + onlineIntoDay;
    },
    timeOf(index) {
      const day = Math.floor(index / onPerDay);
      const intoDay = index - day * onPerDay;
      const slot = intoDay < offFirst ? intoDay : intoDay + offCount;
      return (day * perDay + slot) * NATIVE_STEP_MILLIS;
    },
  };
}
