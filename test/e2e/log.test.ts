// The Requests tab in real Chromium at the window's own sizes (360×600, 420×720, 900×700), light
// and dark: rows read in full (no summary cut, no sideways scroll), fixed status and duration
// columns, errors with their reason, replays and self-tests marked, filters, pause, the count since
// start, headers in the detail, Copy as cURL with -i, and the chart of metric answers (raw,
// aggregated, 10,000 points, and methods asked in a row), with the time from click to drawn chart.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import type { LogEntry } from '../../server/control/contract';
import { ROUTES } from '../../server/control/contract';
import {
  browserSkip,
  launchBrowser,
  metricRequestBody,
  type OpenedPage,
  openPage,
  postMirror,
  screenshot,
  startApp,
  TEST_CONNECTION_BODY,
  type TestApp,
  text,
} from './harness';

const SIZES = [
  { width: 360, height: 600 },
  { width: 420, height: 720 },
  { width: 900, height: 700 },
] as const;
const SCHEMES = ['light', 'dark'] as const;

/** A metric request about one series; `method` null asks for raw points. */
function metricBody(options: {
  method: string | null;
  windowMillis: number;
  conditions?: unknown[];
}): string {
  const body = JSON.parse(metricRequestBody(Date.now(), options.windowMillis));
  if (options.conditions) body.query.conditions = options.conditions;
  if (options.method === null) delete body.query.aggregation;
  else body.query.aggregation.method = options.method;
  return JSON.stringify(body);
}

/** Calls the control API as the window does (bearer token). */
async function control<T>(app: TestApp, method: 'GET' | 'POST', route: string): Promise<T> {
  const response = await fetch(`${app.controlOrigin}${route}`, {
    method,
    headers: { authorization: `Bearer ${app.token}` },
  });
  assert.ok(response.ok, `${method} ${route}: HTTP ${response.status}`);
  return (await response.json()) as T;
}

const last = (app: TestApp): LogEntry => app.session.log.list().at(-1)!;
const rowOf = (page: Page, id: number) => page.locator(`[data-testid="request-list"] li[data-id="${id}"]`);

async function openRequests(page: Page): Promise<void> {
  await page.getByTestId('tab-requests').click();
  await page.locator('[data-testid="request-list"] li').first().waitFor();
}

/** What sticks out past the window's right edge (a cause of sideways scroll), named for the failure message. */
const overflowing = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('*')]
      .filter(
        (el) =>
          el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5 ||
          (el.scrollWidth > el.clientWidth + 1 &&
            getComputedStyle(el).overflowX === 'visible' &&
            el.clientWidth > 0),
      )
      .map(
        (el) =>
          `${el.tagName.toLowerCase()}.${el.className} "${el.textContent?.slice(0, 30)}" ${Math.round(el.getBoundingClientRect().right)}`,
      )
      .slice(0, 5),
  );

/** Text inside the list that is cut (clipped or ellipsised) or runs out of its row: it should be none. */
const cutText = (page: Page) =>
  page.evaluate(() => {
    const cut: string[] = [];
    for (const row of document.querySelectorAll<HTMLElement>('[data-testid="request-list"] button.row')) {
      const box = row.getBoundingClientRect();
      for (const el of row.querySelectorAll<HTMLElement>('*')) {
        const style = getComputedStyle(el);
        const r = el.getBoundingClientRect();
        const clipped = style.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1;
        const ellipsis = style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth;
        const outside = r.right > box.right + 1 || r.left < box.left - 1;
        if (clipped || ellipsis || outside) cut.push(`${el.className}: ${el.textContent?.slice(0, 60)}`);
      }
    }
    return cut;
  });

/** The right edges of each row's cells of one class: one value when the column is straight. */
const rightEdges = (page: Page, cell: string) =>
  page.evaluate(
    (selector) => [
      ...new Set(
        [...document.querySelectorAll(`[data-testid="request-list"] ${selector}`)].map((el) =>
          Math.round(el.getBoundingClientRect().right),
        ),
      ),
    ],
    cell,
  );

/** Pixels of the canvas in a series colour (the entry's own: #2f7ff0): the line was drawn. */
const seriesPixels = (page: Page, rgb: [number, number, number] = [0x2f, 0x7f, 0xf0]) =>
  page.getByTestId('metric-chart').evaluate((canvas, [r, g, b]) => {
    const c = canvas as HTMLCanvasElement;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (
        Math.abs(data[i]! - r) < 40 &&
        Math.abs(data[i + 1]! - g) < 40 &&
        Math.abs(data[i + 2]! - b) < 40 &&
        data[i + 3]! > 200
      )
        n++;
    }
    return n;
  }, rgb);

describe('the Requests log', { skip: browserSkip }, () => {
  let browser: Browser;
  let app: TestApp;
  const ids: Record<string, number> = {};
  const pages: OpenedPage[] = [];

  before(async () => {
    browser = await launchBrowser();
    app = await startApp();
    const mirror = app.mirrorUrl();
    await postMirror(mirror, 'api/connection', TEST_CONNECTION_BODY);
    ids.connection = last(app).id;
    // StackState charting one series three ways, in a row.
    for (const method of ['MEAN', 'MIN', 'MAX']) {
      await postMirror(mirror, 'api/metric', metricBody({ method, windowMillis: 3 * 3_600_000 }));
      ids[method] = last(app).id;
    }
    await postMirror(mirror, 'api/metric', metricBody({ method: null, windowMillis: 5 * 60_000 }));
    ids.raw = last(app).id;
    // A long summary: many conditions with long values.
    const conditions = Array.from({ length: 8 }, (_, i) => ({
      _type: 'EqualityCondition',
      key: `label_${i}_with_a_long_name`,
      value: { _type: 'StringValue', value: `a-rather-long-value-number-${i}-that-goes-on` },
    }));
    await postMirror(
      mirror,
      'api/metric',
      metricBody({ method: 'MEAN', windowMillis: 60 * 60_000, conditions }),
    );
    ids.long = last(app).id;
    const invalid = await postMirror(
      mirror,
      'api/metric',
      JSON.stringify({ _type: 'MetricsRequest', query: { _type: 'MetricsQuery', startTime: 'yesterday' } }),
    );
    assert.equal(invalid.status, 500, invalid.text);
    ids.invalid = last(app).id;
    await postMirror(mirror, 'api/nothing-here', '{}');
    ids.unknown = last(app).id;
    const replayed = await control<LogEntry>(app, 'POST', `${ROUTES.replay}/${ids.MEAN}`);
    ids.replay = replayed.id;
    await control(app, 'POST', ROUTES.selfTest);
    ids.selfTest = app.session.log.list().findLast((e) => e.purpose === 'self-test')!.id;
  });

  after(async () => {
    for (const opened of pages) await opened.context.close();
    await browser?.close();
    await app?.stop();
  });

  const open = async (options: { width: number; height: number; colorScheme: 'light' | 'dark' }) => {
    const opened = await openPage(browser, app, options);
    pages.push(opened);
    return opened;
  };

  for (const size of SIZES) {
    for (const scheme of SCHEMES) {
      const name = `${size.width}x${size.height}-${scheme}`;
      it(`reads in full at ${name}: no summary cut, no sideways scroll, straight columns, errors with their reason`, async () => {
        const { page, problems } = await open({ ...size, colorScheme: scheme });
        await openRequests(page);
        await rowOf(page, ids.selfTest!).waitFor();
        await screenshot(page, `log-list-${name}`);
        assert.deepEqual(await cutText(page), [], 'text cut in the list');
        const overflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow} px: ${await overflowing(page)}`);
        assert.equal((await rightEdges(page, '.r-status')).length, 1, 'status column is ragged');
        assert.equal((await rightEdges(page, '.r-dur')).length, 1, 'duration column is ragged');

        const long = app.session.log.find(ids.long!)!;
        assert.equal(await text(rowOf(page, ids.long!).locator('.r-summary')), long.summary);
        assert.match(await text(rowOf(page, ids.invalid!).locator('.r-error')), /startTime/);
        assert.match(
          await text(rowOf(page, ids.replay!).locator('.mark')),
          new RegExp(`replay of #${ids.MEAN}`),
        );
        assert.equal(await text(rowOf(page, ids.selfTest!).locator('.mark')), 'self-test');

        const wide = size.width >= 800;
        const placeholder = page.getByTestId('detail-placeholder');
        assert.equal(await placeholder.isVisible(), wide, 'the placeholder shows beside the list when wide');
        if (wide) {
          const list = (await page.getByTestId('request-list').boundingBox())!;
          const beside = (await placeholder.boundingBox())!;
          assert.ok(beside.x >= list.x + list.width, 'the placeholder sits beside the list');
          assert.ok(beside.width > 300, `the detail side is ${beside.width} px wide`);
        }

        // The error's reason in the detail's red box.
        await rowOf(page, ids.invalid!).locator('button').click();
        const box = page.getByTestId('detail-error');
        await box.waitFor();
        assert.match(await text(box), /Request validation errors\./);
        assert.match(await text(box.getByTestId('error-reason')), /startTime/);
        const detailOverflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(detailOverflow <= 0, `the detail scrolls sideways by ${detailOverflow} px`);
        await screenshot(page, `log-error-${name}`);

        // The aggregated MEAN, with MIN and MAX asked in the same breath to compare.
        if (!wide) await page.getByRole('button', { name: '← Requests' }).click();
        await rowOf(page, ids.MEAN!).locator('button').click();
        const chart = page.locator(`[data-testid="metric-chart"][data-drawn-for="${ids.MEAN}"]`);
        await chart.waitFor();
        assert.ok((await seriesPixels(page)) > 200, 'the MEAN series is drawn');
        const summary = await text(page.getByTestId('chart-summary'));
        assert.match(summary, /\d+ points \(MEAN per 1 min\)/);
        assert.match(summary, /Times in \S+\./);
        const compare = page.getByTestId('chart-compare');
        await compare.waitFor();
        assert.deepEqual(await compare.locator('label').allTextContents(), [
          `MEAN #${ids.MEAN}`,
          `MIN #${ids.MIN}`,
          `MAX #${ids.MAX}`,
        ]);
        const orange: [number, number, number] = [0xe8, 0x59, 0x0c];
        const maxToggle = compare.locator('label[data-method="MAX"] input');
        const before = await seriesPixels(page, orange);
        await maxToggle.check();
        await page.waitForFunction(() => true);
        const overlaid = (await seriesPixels(page, orange)) + (await seriesPixels(page, [0x2b, 0x9a, 0x66]));
        assert.ok(overlaid > before + 100, `MAX drawn over MEAN (${before} → ${overlaid} pixels)`);
        const chartOverflow = await page.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        assert.ok(chartOverflow <= 0, `the chart scrolls sideways by ${chartOverflow} px`);
        await page.getByTestId('metric-chart').scrollIntoViewIfNeeded();
        // Under the pointer: the time and each shown method's value there.
        await page.getByTestId('metric-chart').hover();
        assert.match(
          await text(page.getByTestId('chart-readout')),
          /^\S+ \S+ \d\d:\d\d:\d\d · MEAN [\d.,]+ · MAX [\d.,]+$/,
        );
        await screenshot(page, `log-chart-aggregated-${name}`);
        assert.deepEqual(problems, []);
      });
    }
  }

  it('links a replay to the request it replays', async () => {
    const { page } = await open({ width: 420, height: 720, colorScheme: 'light' });
    await openRequests(page);
    await rowOf(page, ids.replay!).locator('button').click();
    const link = page.getByTestId('replay-of');
    assert.equal(await text(link), `#${ids.MEAN}`);
    await link.click();
    assert.equal(await text(page.getByTestId('detail-title')), `Metric values · #${ids.MEAN}`);
  });

  it('filters errors, operations and who sent them, and says how many match', async () => {
    const { page } = await open({ width: 420, height: 720, colorScheme: 'light' });
    await openRequests(page);
    const shownIds = async () =>
      (
        await page
          .locator('[data-testid="request-list"] li')
          .evaluateAll((lis) => lis.map((li) => Number((li as HTMLElement).dataset.id)))
      ).sort((a, b) => a - b);
    await page.getByTestId('filter-errors').check();
    assert.deepEqual(await shownIds(), [ids.invalid, ids.unknown]);
    assert.match(await text(page.getByTestId('request-count')), /· 2 match/);
    await page.getByTestId('filter-operation').selectOption('other');
    assert.deepEqual(await shownIds(), [ids.unknown]);
    await page.getByTestId('filter-errors').uncheck();
    await page.getByTestId('filter-operation').selectOption('all');
    await page.getByTestId('filter-source').selectOption('replay');
    assert.deepEqual(await shownIds(), [ids.replay]);
    await page.getByTestId('filter-source').selectOption('self-test');
    assert.deepEqual(await shownIds(), [ids.selfTest]);
    // A new request that does not match stays out; one that does comes in live.
    await postMirror(app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    await control(app, 'POST', ROUTES.selfTest);
    const newest = app.session.log.list().findLast((e) => e.purpose === 'self-test')!.id;
    await rowOf(page, newest).waitFor();
    assert.deepEqual(await shownIds(), [ids.selfTest, newest]);
    await screenshot(page, 'log-filtered-420x720-light');
    await page.getByTestId('filter-source').selectOption('all');
  });

  it('pauses: new requests wait, counted, and come in on resume', async () => {
    const { page } = await open({ width: 360, height: 600, colorScheme: 'dark' });
    await openRequests(page);
    const pause = page.getByTestId('log-pause');
    await pause.click();
    assert.equal(await pause.getAttribute('aria-pressed'), 'true');
    const before = await page.locator('[data-testid="request-list"] li').count();
    for (let i = 0; i < 3; i++) await postMirror(app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    await page.getByRole('button', { name: 'Resume (3 new)' }).waitFor();
    assert.equal(
      await page.locator('[data-testid="request-list"] li').count(),
      before,
      'the list held still',
    );
    assert.match(await text(page.getByTestId('request-count')), /paused/);
    await screenshot(page, 'log-paused-360x600-dark');
    await pause.click();
    await rowOf(page, last(app).id).waitFor();
    assert.equal(await page.locator('[data-testid="request-list"] li').count(), before + 3);
    assert.equal(await text(pause), 'Pause');

    // With a filter, only what it lets through is counted (and shown on resume).
    await page.getByTestId('filter-errors').check();
    await pause.click();
    await postMirror(app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    await postMirror(app.mirrorUrl(), 'api/nothing-here-either', '{}');
    const error = last(app).id;
    await page.getByRole('button', { name: 'Resume (1 new)' }).waitFor();
    await pause.click();
    await rowOf(page, error).waitFor();
    await page.getByTestId('filter-errors').uncheck();
  });

  it('counts the requests since start beside the 500 it keeps, in the list and on the tab', async () => {
    const { page } = await open({ width: 420, height: 720, colorScheme: 'light' });
    await openRequests(page);
    const body = TEST_CONNECTION_BODY;
    const mirror = app.mirrorUrl();
    for (let i = 0; i < 520; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => postMirror(mirror, 'api/connection', body)));
    }
    const total = app.session.log.total;
    assert.ok(total > 500);
    const expected = `${total.toLocaleString('en-US')} requests · last 500 kept · newest 200 shown`;
    await page.getByTestId('request-count').filter({ hasText: expected }).waitFor();
    const tab = page.getByTestId('tab-requests');
    assert.equal(await text(tab.getByTestId('tab-count')), String(total), 'the tab counts since start too');
    assert.equal(
      await page
        .getByRole('tab', { name: `Requests (${total.toLocaleString('en-US')} since start)`, exact: true })
        .count(),
      1,
      `the tab reads "Requests (N since start)": ${await tab.ariaSnapshot()}`,
    );
    await screenshot(page, 'log-count-420x720-light');

    // Past 1,000 the tab's count shortens ("1.2k") and still fits a 360 px window.
    for (let i = total; i < 1250; i += 25) {
      await Promise.all(Array.from({ length: 25 }, () => postMirror(mirror, 'api/connection', body)));
    }
    const narrow = await open({ width: 360, height: 600, colorScheme: 'dark' });
    await openRequests(narrow.page);
    const later = app.session.log.total;
    await narrow.page
      .getByTestId('tab-count')
      .filter({ hasText: `${Math.floor(later / 100) / 10}k` })
      .waitFor();
    await screenshot(narrow.page, 'log-count-360x600-dark');
    const overflow = await narrow.page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    assert.ok(
      overflow <= 0,
      `the page scrolls sideways by ${overflow} px: ${await overflowing(narrow.page)}`,
    );
  });
});

describe('the detail: headers, cURL -i, and metric charts', { skip: browserSkip }, () => {
  let browser: Browser;
  let app: TestApp;
  const pages: OpenedPage[] = [];

  before(async () => {
    browser = await launchBrowser();
    app = await startApp();
  });

  after(async () => {
    for (const opened of pages) await opened.context.close();
    await browser?.close();
    await app?.stop();
  });

  const open = async (options: { width: number; height: number; colorScheme: 'light' | 'dark' }) => {
    const opened = await openPage(browser, app, options);
    pages.push(opened);
    await openRequests(opened.page);
    return opened;
  };

  it('shows request and response headers, X-MIRROR-API-KEY as sent, and copies cURL with -i', async () => {
    await postMirror(app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    const entry = last(app);
    const { page } = await open({ width: 420, height: 720, colorScheme: 'light' });
    await rowOf(page, entry.id).locator('button').click();
    const request = page.getByTestId('request-headers');
    assert.match(await text(request), /content-typeapplication\/json/);
    const response = page.getByTestId('response-headers');
    const key = app.session.state.connection.apiKey;
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
    await postMirror(app.mirrorUrl(), 'api/metric', metricBody({ method: null, windowMillis: 10 * 60_000 }));
    const entry = last(app);
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
        `Chart: ${summary}`,
        'the canvas is named by the same summary',
      );
      await page.getByTestId('metric-chart').scrollIntoViewIfNeeded();
      await screenshot(page, `log-chart-raw-420x720-${colorScheme}`);
    }
  });

  it('says why there is no chart when the full answer is no longer kept', async () => {
    await postMirror(app.mirrorUrl(), 'api/metric', metricBody({ method: null, windowMillis: 10 * 60_000 }));
    const entry = last(app);
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
      app.mirrorUrl(),
      'api/metric',
      metricBody({ method: null, windowMillis: 3 * 3_600_000 }),
    );
    const entry = last(app);
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
