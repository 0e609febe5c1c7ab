// One way to write a moment everywhere in the window (the list, the detail, the chart, the report):
// local time "17:10:57", with the day before it ("Dec 7 17:10:57") when it is not today, and
// milliseconds only in a request's detail. Pure: the clock ("now") is a parameter.

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** HH:MM, or HH:MM:SS, in local time. */
export function localTime(at: number, seconds = false): string {
  const d = new Date(at);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}${seconds ? `:${pad(d.getSeconds())}` : ''}`;
}

/** The day in the user's locale and time zone, short: "Dec 7" (or "7 Dec"). */
export function localDate(at: number): string {
  return new Date(at).toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
}

/** Whether two moments fall on the same local calendar day. */
function sameLocalDay(a: number, b: number): boolean {
  const x = new Date(a);
  const y = new Date(b);
  return x.getFullYear() === y.getFullYear() && x.getMonth() === y.getMonth() && x.getDate() === y.getDate();
}

export interface TimestampOptions {
  /** Today, for leaving the date out; the date is always written without it. */
  now?: number;
  /** Add .mmm (the request detail only). */
  millis?: boolean;
}

/** "17:10:57" today, "Dec 7 17:10:57" another day; ".660" added in the detail. */
export function formatTimestamp(at: number, { now, millis = false }: TimestampOptions = {}): string {
  const clock = `${localTime(at, true)}${millis ? `.${pad(new Date(at).getMilliseconds(), 3)}` : ''}`;
  return now !== undefined && sameLocalDay(at, now) ? clock : `${localDate(at)} ${clock}`;
}

/** The user's time zone's name, as the chart states it ("Europe/Amsterdam"; "UTC" when unknown). */
export function timeZoneName(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

/** The zone's offset from UTC at a moment, as "UTC+01:00" (or "UTC"). */
export function utcOffsetLabel(at: number): string {
  const minutes = -new Date(at).getTimezoneOffset();
  if (minutes === 0) return 'UTC';
  const sign = minutes > 0 ? '+' : '−';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
