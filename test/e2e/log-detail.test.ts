// The Requests detail in real Chromium: headers, Copy as cURL with -i, and the chart of metric
// answers (raw, aggregated, 10,000 points, methods asked in a row), with the time from click to chart.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROUTES } from '../../server/contract/contract';
import {
  browserForSuite,
  browserSkip,
  last,
  metricBody,
  type OpenedPage,
  openPage,
  openRequests,
  postMirror,
  rowOf,
  SCHEMES,
  SIZES,
  screenshot,
  seriesPixels,
  TEST_CONNECTION_BODY,
  text,
} from './log-helpers';

describe('the detail: headers, cURL -i, and metric charts', { skip: browserSkip }, () => {
  const suite = browserForSuite();
  const pages: OpenedPage[] = [];

  after(async () => {
    for (const opened of pages) await opened.context.close();
  });

  const open = async (options: { width: number; height: number; colorScheme: 'light' | 'dark' }) => {
    const opened = await openPage(suite.browser, suite.app, options);
    pages.push(opened);
    await openRequests(opened.page);
    return opened;
  };

  it('shows request and response headers, X-MIRROR-API-KEY as sent, and copies cURL with -i', async () => {
    await postMirror(suite.app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    const entry = last(suite.app);
    const { page } = await open({ width: 420, height: 720, colorScheme: 'light' });
    await rowOf(page, entry.id).locator('button').click();
    const request = page.getByTestId('request-headers');
    assert.match(await text(request), /content-typeapplication\/json/);
    const response = page.getByTestId('response-headers');
    const key = suite.app.session.state.connection.apiKey;
    const names = await response.locator('dt').allTextContents();
    const index = names.indexOf('x-mirror-api-key');
    assert.ok(index >= 0, `response headers: ${names.join(', ')}`);
    assert.equal(await response.locator('dd').nth(index).textContent(), key);

    await page.getByTestId('curl-include-headers').check();
    await page.getByTestId('copy-curl').click();
    const command = await page.evaluate(() => navigator.clipboard.readText());
    assert.ok(command.startsWith('curl -sS -i -X POST '), command);
    const { stdout } = await promisify(execFile)('sh', ['-c', command], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.match(stdout, /^HTTP\/1\.1 200/);
    assert.match(stdout, new RegExp(`x-mirror-api-key: ${key}`, 'i'));
    await screenshot(page, 'log-headers-420x720-light', true);
  });

  it('draws a raw answer as a line, read in full from the raw exchange when the log cut it', async () => {
    await postMirror(
      suite.app.mirrorUrl(),
      'api/metric',
      metricBody({ method: null, windowMillis: 100 * 60_000 }),
    );
    const entry = last(suite.app);
    assert.equal(entry.responseTruncated, true, 'a 600-point answer is longer than the log keeps');
    assert.equal(entry.rawKept, true);
    for (const colorScheme of SCHEMES) {
      const { page } = await open({ width: 420, height: 720, colorScheme });
      await rowOf(page, entry.id).locator('button').click();
      await page.locator(`[data-testid="metric-chart"][data-drawn-for="${entry.id}"]`).waitFor();
      assert.ok((await seriesPixels(page)) > 300, 'the line is drawn');
      const summary = await text(page.getByTestId('chart-summary'));
      assert.match(summary, /^(600|601) points \(raw points\) from /);
      assert.match(summary, /min [\d.,-]+, max [\d.,-]+/);
      assert.equal(
        await page.getByTestId('metric-chart').getAttribute('aria-label'),
        `Chart: ${summary} ${await text(page.getByTestId('chart-time-zone'))}`,
        'the canvas is named by the same summary, and the zone its axis is in',
      );
      await page.getByTestId('metric-chart').scrollIntoViewIfNeeded();
      await screenshot(page, `log-chart-raw-420x720-${colorScheme}`);
    }
  });

  it('says why there is no chart when the full answer is no longer kept', async () => {
    await postMirror(
      suite.app.mirrorUrl(),
      'api/metric',
      metricBody({ method: null, windowMillis: 100 * 60_000 }),
    );
    const entry = last(suite.app);
    const { page } = await open({ width: 420, height: 720, colorScheme: 'light' });
    // The raw copy is let go (as the byte budget would) before the detail asks for it.
    await page.route(`**${ROUTES.raw}/${entry.id}`, (route) =>
      route.fulfill({ status: 404, contentType: 'application/json', body: '{"error":"gone"}' }),
    );
    await rowOf(page, entry.id).locator('button').click();
    const note = page.getByTestId('chart-note');
    await note.waitFor();
    assert.match(await text(note), /no longer kept/);
  });

  it('draws 10,000 points quickly, and measures the time from the click to the drawn chart', async () => {
    await postMirror(
      suite.app.mirrorUrl(),
      'api/metric',
      // 30 h of 10 s samples: past the 10,000 raw points a query may return, so exactly those.
      metricBody({ method: null, windowMillis: 30 * 3_600_000 }),
    );
    const entry = last(suite.app);
    assert.equal(entry.resultCount, 10_000);
    const timings: string[] = [];
    for (const size of SIZES) {
      for (const colorScheme of SCHEMES) {
        const { page } = await open({ ...size, colorScheme });
        await page.evaluate(() => performance.clearMarks());
        await rowOf(page, entry.id).locator('button').click();
        await page.locator(`[data-testid="metric-chart"][data-drawn-for="${entry.id}"]`).waitFor();
        const millis = await page.evaluate(async () => {
          // Until the frame that shows the chart.
          await new Promise((resolve) => requestAnimationFrame(resolve));
          const click = performance.getEntriesByName('log-row-click').at(-1)!;
          const drawn = performance.getEntriesByName('metric-chart-drawn').at(-1)!;
          // (No named functions in here: the page has no tsx helpers.)
          const [fetched, parsed] = ['metric-raw-fetched', 'metric-parsed'].map(
            (name) => (performance.getEntriesByName(name).at(-1)?.startTime ?? Number.NaN) - click.startTime,
          );
          return {
            fetched: fetched ?? Number.NaN,
            parsed: parsed ?? Number.NaN,
            drawn: drawn.startTime - click.startTime,
            painted: performance.now() - click.startTime,
          };
        });
        timings.push(
          `${size.width}x${size.height} ${colorScheme}: raw answer fetched ${millis.fetched.toFixed(1)} ms, parsed ${millis.parsed.toFixed(1)} ms, drawn ${millis.drawn.toFixed(1)} ms, next frame ${millis.painted.toFixed(1)} ms`,
        );
        assert.ok(millis.drawn < 1000, `click to drawn chart took ${millis.drawn} ms`);
        assert.ok((await seriesPixels(page)) > 300, 'the 10,000 points are drawn');
        assert.match(await text(page.getByTestId('chart-summary')), /^10,000 points \(raw points\)/);
        await page.getByTestId('metric-chart').scrollIntoViewIfNeeded();
        await screenshot(page, `log-chart-10000-${size.width}x${size.height}-${colorScheme}`);
      }
    }
    console.log(`click → 10,000-point chart:\n  ${timings.join('\n  ')}`);
  });
});
