// The demo's time grid: every series has a sample at each multiple of NATIVE_STEP_MILLIS since the
// epoch, except while its host is offline. Everything here is arithmetic on grid indices, so
// counting or finding the samples of any time range costs the same however wide the range is.

/** The demo's native resolution: one sample per series per second. */
export const NATIVE_STEP_MILLIS = 1000;
export const DAY_MILLIS = 86_400_000;

/**
 * Which grid points of one series hold a sample. Online points are numbered 0, 1, 2... from the
 * epoch; the numbering is what lets a whole month of samples be counted and strided in O(1).
 */
export interface Availability {
  /** How many online grid points lie in [0, t). It is also the index of the first one at or after t. */
  countBefore(t: number): number;
  /** The time of the online grid point with this index. */
  timeOf(index: number): number;
}

/** Grid points in [0, t). */
const gridPointsBefore = (t: number) => Math.ceil(t / NATIVE_STEP_MILLIS);

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

/** A run of online-point indices `[first, end)`. */
export interface IndexRange {
  first: number;
  end: number;
}

/**
 * Visits the online points of `ranges`, or a strided sample of them when there are more than
 * `budget`. Each range (a stratum: the demo cuts a bucket at incident boundaries) gets a share of
 * the budget in proportion to its size, but at least one sample, so a short spike is never
 * stepped over. A range of n points with k samples is cut into k strides of ⌊n/k⌋ or ⌈n/k⌉
 * points; the middle point of each stride is visited with `weight` = the stride's length.
 * So the weights always add up to the exact number of points, and when everything fits in the
 * budget every point is visited once with weight 1.
 */
export function sampleIndices(
  ranges: readonly IndexRange[],
  budget: number,
  visit: (index: number, weight: number) => void,
): void {
  let total = 0;
  for (const range of ranges) total += Math.max(0, range.end - range.first);
  for (const { first, end } of ranges) {
    const size = end - first;
    if (size <= 0) continue;
    if (total <= budget) {
      for (let i = first; i < end; i++) visit(i, 1);
      continue;
    }
    const samples = Math.min(size, Math.max(1, Math.round((budget * size) / total)));
    for (let j = 0; j < samples; j++) {
      const lo = first + Math.floor((j * size) / samples);
      const hi = first + Math.floor(((j + 1) * size) / samples);
      visit(lo + Math.floor((hi - lo - 1) / 2), hi - lo);
    }
  }
}
