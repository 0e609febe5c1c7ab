// Issue 23, item 2 in a real Chromium: the chart's time axis reads like StackState's — several ticks
// on round local times, the day under each when the window spans more than a day, the zone stated —
// for a 7-day and a 28-hour window, at 360×600, 420×720 and 900×700, light and dark.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { browserSkip, launchBrowser, openPage, postMirror, screenshot, startApp, text } from './harness';
import { last, metricBody, rowOf, SCHEMES, SIZES, seriesPixels } from './log-helpers';

const HOUR = 3_600_000;
const WINDOWS = [
  { name: '7-day', windowMillis: 6.9 * 24 * HOUR },
  { name: '28-hour', windowMillis: 27.8 * HOUR },
] as const;

/**
 * The last local noon before now. A window ending at "now" would make the test depend on the clock:
 * 28 hours ending at 22:35 start at 18:35 the day before, and 6-hourly ticks then fall on one day
 * only. Ending at noon, the window starts the morning before, and its ticks fall on two days at
 * every width, whatever time the suite runs.
 */
function lastLocalNoon(): number {
  const noon = new Date();
  noon.setHours(12, 0, 0, 0);
  if (noon.getTime() > Date.now()) noon.setDate(noon.getDate() - 1);
  return noon.getTime();
}

describe('the chart’s time axis', { skip: browserSkip }, () => {
  it('several labelled ticks with their days, and the zone, on a 7-day and a 28-hour window', async () => {
    const browser = await launchBrowser();
    const app = await startApp();
    try {
      for (const { name, windowMillis } of WINDOWS) {
        await postMirror(
          app.mirrorUrl(),
          'api/metric',
          metricBody({ method: 'MEAN', windowMillis, endMillis: lastLocalNoon() }),
        );
        const entry = last(app);
        for (const colorScheme of SCHEMES) {
          for (const size of SIZES) {
            const { context, page, problems } = await openPage(browser, app, { ...size, colorScheme });
            try {
              await page.getByTestId('tab-requests').click();
              await rowOf(page, entry.id).locator('button').click();
              const chart = page.locator(`[data-testid="metric-chart"][data-drawn-for="${entry.id}"]`);
              await chart.waitFor();
              assert.ok((await seriesPixels(page)) > 100, 'the series is drawn');
              const ticks = ((await chart.getAttribute('data-time-ticks')) ?? '').split(' | ');
              const where = `${name} at ${size.width} px: ${ticks.join(' | ')}`;
              assert.ok(ticks.length >= 3, `several ticks, ${where}`);
              // Each tick names its day ("Dec 7", "7 Dec"), as a window of more than a day needs.
              for (const tick of ticks) assert.match(tick, /[A-Za-z]{3}/, `a day on every tick, ${where}`);
              const days = new Set(ticks.map((tick) => tick.replace(/^\d\d:\d\d /, '')));
              assert.ok(days.size >= 2, `more than one day named, ${where}`);
              assert.match(
                await text(page.getByTestId('chart-time-zone')),
                /^Times in \S+( \(UTC[+−]\d\d:\d\d\))?\.$/,
              );
              await page.getByTestId('chart-time-zone').scrollIntoViewIfNeeded();
              await screenshot(page, `chart-axis-${name}-${size.width}-${colorScheme}`);
              assert.deepEqual(problems, []);
            } finally {
              await context.close();
            }
          }
        }
      }
    } finally {
      await browser.close();
      await app.stop();
    }
  });
});
