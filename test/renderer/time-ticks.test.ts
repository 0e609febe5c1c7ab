// The chart's time axis and the one timestamp format, as pure functions. Windows are built with the
// local-time Date constructor, so they mean the same in any zone the tests run in; one test runs in a
// child process in India's zone (UTC+5:30) to see ticks follow the user's zone, not UTC.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { formatTimestamp, localDate, utcOffsetLabel } from '../../renderer/src/lib/time-format';
import { TICK_SPACING_PX, timeTicks } from '../../renderer/src/lib/time-ticks';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const hhmm = (at: number) => {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
};
/** How many ticks fit a plot this wide (CSS px), as the chart asks. */
const fitting = (plotWidth: number) => Math.max(2, Math.floor(plotWidth / TICK_SPACING_PX));

describe('the time axis', () => {
  it('puts ticks on round local times (quarter hours for a one-hour window), no dates within a day', () => {
    const from = new Date(2026, 10, 27, 12, 7).getTime();
    const ticks = timeTicks(from, from + HOUR, 4);
    assert.ok(ticks.length >= 3 && ticks.length <= 5, `${ticks.length} ticks`);
    for (const tick of ticks) {
      assert.equal(new Date(tick.at).getMinutes() % 15, 0, `${tick.label} on a quarter hour`);
      assert.equal(tick.label, hhmm(tick.at));
      assert.equal(tick.date, null);
    }
  });

  it('a 7-day window at 360 px and at 900 px: several ticks on round local times, each with its date', () => {
    const from = new Date(2026, 11, 1, 9, 30).getTime();
    const to = from + 6.9 * DAY;
    for (const plotWidth of [262, 850]) {
      const ticks = timeTicks(from, to, fitting(plotWidth));
      const labels = ticks.map((t) => [t.label, t.date ?? ''].join(' ').trim());
      assert.ok(ticks.length >= 3, `${plotWidth} px: only ${labels.join(' | ')}`);
      for (const tick of ticks) {
        const d = new Date(tick.at);
        assert.equal(
          d.getMinutes() === 0 && d.getHours() % 12 === 0,
          true,
          `${tick.label} on midnight or noon`,
        );
        assert.equal(`${tick.label} ${tick.date ?? ''}`.includes(localDate(tick.at)), true, labels.join());
      }
    }
  });

  it('a 28-hour window: several times, each with its day under it', () => {
    const from = new Date(2026, 11, 6, 13, 10).getTime();
    const to = from + 27.8 * HOUR;
    for (const plotWidth of [262, 850]) {
      const ticks = timeTicks(from, to, fitting(plotWidth));
      const labels = ticks.map((t) => `${t.label}/${t.date}`).join(' | ');
      assert.ok(ticks.length >= 4, `${plotWidth} px: ${labels}`);
      for (const tick of ticks) {
        assert.equal(tick.label, hhmm(tick.at), labels);
        assert.equal(new Date(tick.at).getMinutes(), 0, `${tick.label} on a whole hour`);
        assert.equal(tick.date, localDate(tick.at), `the day under ${tick.label}: ${labels}`);
      }
      assert.ok(new Set(ticks.map((t) => t.date)).size >= 2, `two days named: ${labels}`);
    }
  });

  it('within a day that crosses midnight, the first tick of the new day carries its date', () => {
    const from = new Date(2026, 10, 27, 20, 0).getTime();
    const ticks = timeTicks(from, from + 8 * HOUR, 4);
    const midnight = ticks.find((t) => new Date(t.at).getHours() === 0);
    assert.ok(midnight, ticks.map((t) => t.label).join(', '));
    assert.equal(midnight.date, localDate(midnight.at));
    assert.equal(ticks[0]?.date, null, 'the first tick, before midnight, has none');
  });

  it("puts hour ticks on the user's whole hours, in a zone half an hour off UTC", () => {
    const script = `
      import { timeTicks } from './renderer/src/lib/time-ticks.ts';
      import { utcOffsetLabel } from './renderer/src/lib/time-format.ts';
      const from = Date.UTC(2026, 10, 27, 0, 0);
      console.log(JSON.stringify({ ticks: timeTicks(from, from + 6 * 3600000, 6), zone: utcOffsetLabel(from) }));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, TZ: 'Asia/Kolkata' },
    });
    const { ticks, zone } = JSON.parse(out) as { ticks: Array<{ at: number; label: string }>; zone: string };
    assert.ok(ticks.length >= 5, out);
    for (const tick of ticks) assert.equal(new Date(tick.at).getUTCMinutes(), 30, tick.label);
    assert.equal(ticks[0]?.label, '06:00', 'labelled in local time: 00:30 UTC is 06:00 in Kolkata');
    assert.equal(zone, 'UTC+05:30');
  });
});

describe('one timestamp format', () => {
  const at = new Date(2026, 11, 7, 17, 10, 57, 660).getTime();
  it('today: the clock only; another day: the date first; milliseconds only when asked (the detail)', () => {
    assert.equal(formatTimestamp(at, { now: at + HOUR }), '17:10:57');
    assert.equal(formatTimestamp(at, { now: at + 2 * DAY }), `${localDate(at)} 17:10:57`);
    assert.equal(formatTimestamp(at, { millis: true }), `${localDate(at)} 17:10:57.660`);
    assert.equal(formatTimestamp(at, { now: at, millis: true }), '17:10:57.660');
  });
  it('the zone offset reads as UTC±hh:mm', () => {
    assert.match(utcOffsetLabel(at), /^UTC([+−]\d\d:\d\d)?$/);
  });
});
