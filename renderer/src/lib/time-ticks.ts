// The chart's time axis, as StackState draws one: several ticks on round local times (every 15 min,
// every 6 h from local midnight, every day…), each labelled with its time, and with its day under
// the time wherever the window spans more than a day (and where a shorter one crosses midnight).
// Pure: no DOM; the local time zone is the runtime's.
import { localDate, localTime } from './time-format';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The round steps a tick may take, shortest first. */
const TIME_STEPS = [
  SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
];

/** The room one label needs on the axis (CSS px): "Dec 30" or "00:00" in an 11 px font (~36), and a gap. */
export const TICK_SPACING_PX = 50;

export interface TimeTick {
  at: number;
  /** The first line: the time ("06:00"), or the day on a daily axis ("Dec 3"). */
  label: string;
  /** The second line: the day, where the reader needs it; null otherwise. */
  date: string | null;
}

/** The local time zone's offset from UTC at a moment, in ms (positive east of Greenwich). */
const localOffset = (at: number) => -new Date(at).getTimezoneOffset() * MINUTE;

/** The step for a window: the shortest round one that gives at most `maxTicks` ticks. */
function tickStep(span: number, maxTicks: number): number {
  return TIME_STEPS.find((step) => span / step <= maxTicks) ?? Math.ceil(span / maxTicks / DAY) * DAY;
}

/**
 * Ticks for [from, to], at most `maxTicks`, on round local times. A daily (or longer) step labels each
 * tick with its day; a shorter one with its time, and the day under it on every tick when the window
 * spans more than a day, else only under the first tick of a new day.
 */
export function timeTicks(from: number, to: number, maxTicks: number): TimeTick[] {
  if (!(to > from) || maxTicks < 1) return [];
  const span = to - from;
  const step = tickStep(span, maxTicks);
  const offset = localOffset(from);
  const ticks: TimeTick[] = [];
  const seconds = step < MINUTE;
  const multiDay = span > DAY;
  let previousDay: string | null = null;
  for (let at = Math.ceil((from + offset) / step) * step - offset; at <= to; at += step) {
    // Across a daylight-saving change the offset moves: keep ticks on round local times.
    const shifted = at + offset - localOffset(at);
    if (shifted < from || shifted > to) continue;
    const day = localDate(shifted);
    const newDay = previousDay !== null && day !== previousDay;
    previousDay = day;
    if (step >= DAY) ticks.push({ at: shifted, label: day, date: null });
    else
      ticks.push({ at: shifted, label: localTime(shifted, seconds), date: multiDay || newDay ? day : null });
  }
  return ticks;
}
