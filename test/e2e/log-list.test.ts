// The Requests list in real Chromium at 360×600, 420×720 and 900×700, light and dark: rows read in
// full (no summary cut, no sideways scroll), straight status and duration columns, errors with their
// reason, replays and self-tests marked, filters, pause, and the count since start.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LogEntry } from '../../server/contract/contract';
import { ROUTES } from '../../server/contract/contract';
import {
  browserForSuite,
  browserSkip,
  control,
  cutText,
  last,
  metricBody,
  type OpenedPage,
  openPage,
  openRequests,
  overflowing,
  postMirror,
  rightEdges,
  rowOf,
  SCHEMES,
  SIZES,
  screenshot,
  seriesPixels,
  TEST_CONNECTION_BODY,
  text,
} from './log-helpers';

describe('the Requests log', { skip: browserSkip }, () => {
  const suite = browserForSuite();
  const ids: Record<string, number> = {};
  const pages: OpenedPage[] = [];

  before(async () => {
    const mirror = suite.app.mirrorUrl();
    await postMirror(mirror, 'api/connection', TEST_CONNECTION_BODY);
    ids.connection = last(suite.app).id;
    // StackState charting one series three ways, in a row.
    for (const method of ['MEAN', 'MIN', 'MAX']) {
      await postMirror(mirror, 'api/metric', metricBody({ method, windowMillis: 3 * 3_600_000 }));
      ids[method] = last(suite.app).id;
    }
    await postMirror(mirror, 'api/metric', metricBody({ method: null, windowMillis: 5 * 60_000 }));
    ids.raw = last(suite.app).id;
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
    ids.long = last(suite.app).id;
    const invalid = await postMirror(
      mirror,
      'api/metric',
      JSON.stringify({ _type: 'MetricsRequest', query: { _type: 'MetricsQuery', startTime: 'yesterday' } }),
    );
    assert.equal(invalid.status, 500, invalid.text);
    ids.invalid = last(suite.app).id;
    await postMirror(mirror, 'api/nothing-here', '{}');
    ids.unknown = last(suite.app).id;
    const replayed = await control<LogEntry>(suite.app, 'POST', `${ROUTES.replay}/${ids.MEAN}`);
    ids.replay = replayed.id;
    await control(suite.app, 'POST', ROUTES.selfTest);
    ids.selfTest = suite.app.session.log.list().findLast((e) => e.purpose === 'self-test')!.id;
  });

  after(async () => {
    for (const opened of pages) await opened.context.close();
  });

  const open = async (options: { width: number; height: number; colorScheme: 'light' | 'dark' }) => {
    const opened = await openPage(suite.browser, suite.app, options);
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

        const long = suite.app.session.log.find(ids.long!)!;
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
        assert.equal(await placeholder.isVisible(), false, 'the placeholder gives way to the detail');
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
        assert.match(await text(page.getByTestId('chart-time-zone')), /^Times in \S+/);
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
    await postMirror(suite.app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    await control(suite.app, 'POST', ROUTES.selfTest);
    const newest = suite.app.session.log.list().findLast((e) => e.purpose === 'self-test')!.id;
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
    for (let i = 0; i < 3; i++)
      await postMirror(suite.app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    await page.getByRole('button', { name: 'Resume (3 new)' }).waitFor();
    assert.equal(
      await page.locator('[data-testid="request-list"] li').count(),
      before,
      'the list held still',
    );
    assert.match(await text(page.getByTestId('request-count')), /paused/);
    await screenshot(page, 'log-paused-360x600-dark');
    await pause.click();
    await rowOf(page, last(suite.app).id).waitFor();
    assert.equal(await page.locator('[data-testid="request-list"] li').count(), before + 3);
    assert.equal(await text(pause), 'Pause');

    // With a filter, only what it lets through is counted (and shown on resume).
    await page.getByTestId('filter-errors').check();
    await pause.click();
    await postMirror(suite.app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    await postMirror(suite.app.mirrorUrl(), 'api/nothing-here-either', '{}');
    const error = last(suite.app).id;
    await page.getByRole('button', { name: 'Resume (1 new)' }).waitFor();
    await pause.click();
    await rowOf(page, error).waitFor();
    await page.getByTestId('filter-errors').uncheck();
  });

  it('a row says its time alone while its day is today, and its day too once the day has passed', async () => {
    // A request of today (the suite's first ones may be from yesterday, if it ran across midnight).
    await postMirror(suite.app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    const entry = last(suite.app);
    // The page's clock is Playwright's: time flows as usual until the test moves it a day on.
    const opened = await openPage(suite.browser, suite.app, {
      width: 420,
      height: 720,
      beforeLoad: (page) => page.clock.install(),
    });
    pages.push(opened);
    const { page } = opened;
    await openRequests(page);
    const time = rowOf(page, entry.id).locator('.r-time');
    assert.match(await text(time), /^\d\d:\d\d:\d\d$/, 'today: the time alone');
    await page.clock.fastForward('24:00:00');
    await time.filter({ hasText: /^[A-Z][a-z]{2} \d{1,2} \d\d:\d\d:\d\d$/ }).waitFor({ timeout: 5000 });
    const day = new Date(entry.time);
    assert.ok(
      (await text(time)).startsWith(
        `${day.toLocaleDateString('en-US', { month: 'short' })} ${day.getDate()} `,
      ),
      `the day of the request: ${await text(time)}`,
    );
    for (const colorScheme of SCHEMES) {
      await page.emulateMedia({ colorScheme });
      for (const width of [360, 420, 900]) {
        await page.setViewportSize({ width, height: 720 });
        await screenshot(page, `log-rows-next-day-${width}-${colorScheme}`);
      }
    }
    assert.deepEqual(opened.problems, []);
  });

  it('counts the requests since start beside the 500 it keeps, in the list and on the tab', async () => {
    const { page } = await open({ width: 420, height: 720, colorScheme: 'light' });
    await openRequests(page);
    const body = TEST_CONNECTION_BODY;
    const mirror = suite.app.mirrorUrl();
    for (let i = 0; i < 520; i += 20) {
      await Promise.all(Array.from({ length: 20 }, () => postMirror(mirror, 'api/connection', body)));
    }
    const total = suite.app.session.log.total;
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
    const later = suite.app.session.log.total;
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
