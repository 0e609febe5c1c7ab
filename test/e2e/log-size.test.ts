// Issue 23, items 3, 4 and 6 in a real Chromium: one plain cause when nothing answers (the Check tab,
// the Test button), a Check run's traffic tagged "check" and filterable, "N older kept — show" below
// the 200th row, "No request matches these filters", and a toast that covers nothing. At 360×600,
// 420×720 and 900×700, light and dark.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  browserForSuite,
  browserSkip,
  everyLook,
  openPage,
  postMirror,
  screenshot,
  TEST_CONNECTION_BODY,
  text,
} from './harness';

const NOTHING_AT_PORT_1 = 'Nothing answers at 127.0.0.1:1 (connection refused) — is it running?';

describe('the log at any size, and one plain cause', { skip: browserSkip }, () => {
  // The tutorial's sample: no incidents to simulate, so the Check tab is offered.
  const suite = browserForSuite({ saved: { dataSource: { kind: 'tutorial' } } });

  const each = (name: string, look: (page: Page) => Promise<void>) =>
    everyLook(suite.browser, suite.app, name, look);

  it('nothing at the address: one plain line in the Check tab and at the Test button, no “fetch failed”', async () => {
    await each('check-nothing-answers', async (page) => {
      await page.getByTestId('tab-check').click();
      await page.getByTestId('check-url').fill('http://127.0.0.1:1');
      await page.getByTestId('check-run').click();
      const said = page.locator('#panel-check').getByRole('alert');
      await said.filter({ hasText: NOTHING_AT_PORT_1 }).waitFor();
      assert.equal(await text(said), NOTHING_AT_PORT_1);
      assert.equal(await page.locator('[data-check]').count(), 0, 'no rows of “not exercised” checks');
      assert.doesNotMatch(await page.locator('main').innerText(), /fetch failed|§/);
    });
    const { context, page } = await openPage(suite.browser, suite.app);
    try {
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('dataSource-prometheus').check();
      await page.getByTestId('data-source-prometheus-url').fill('http://127.0.0.1:1');
      await page.getByTestId('test-data-source').click();
      await page
        .getByTestId('settings-form')
        .locator('.inline-message.tone-error')
        .filter({ hasText: `Prometheus at http://127.0.0.1:1: ${NOTHING_AT_PORT_1}` })
        .waitFor();
    } finally {
      await context.close();
    }
  });

  it('a Check run of this app’s own mirror is tagged “check” and can be filtered out or in', async () => {
    const { context, page } = await openPage(suite.browser, suite.app);
    try {
      await page.getByTestId('tab-check').click();
      await page.getByTestId('check-url').fill(suite.app.mirrorUrl());
      await page.getByTestId('check-run').click();
      await page.getByText(/^\d+ passed, \d+ failed, \d+ warned\.$/).waitFor({ timeout: 60_000 });
      const logged = suite.app.session.log.list();
      assert.ok(logged.length > 10, `${logged.length} requests logged`);
      assert.deepEqual([...new Set(logged.map((entry) => entry.purpose))], ['check'], 'every one is tagged');
      // The toast said so in the header, over nothing of the page.
      const toast = page.getByTestId('toast');
      await toast.filter({ hasText: /^Check done/ }).waitFor();
      const [toastBox, mainBox] = [await toast.boundingBox(), await page.locator('main').boundingBox()];
      assert.ok(
        toastBox && mainBox && toastBox.y + toastBox.height <= mainBox.y + 1,
        'the toast sits above the page',
      );
    } finally {
      await context.close();
    }
    await each('log-check-tagged', async (page) => {
      await page.getByTestId('tab-requests').click();
      await page.getByTestId('filter-source').selectOption('check');
      await page.locator('[data-testid="request-list"] .mark-check').first().waitFor();
      await page.getByTestId('filter-source').selectOption('tunnel');
      await page
        .getByTestId('log-no-match')
        .filter({ hasText: 'No request matches these filters.' })
        .waitFor();
      assert.equal(await page.locator('[data-testid="request-list"] li').count(), 0);
    });
  });

  it('with 300 requests kept, the list ends with “N older kept — show”, which shows them', async () => {
    for (let sent = 0; sent < 300; sent += 50) {
      await Promise.all(
        Array.from({ length: 50 }, () =>
          postMirror(suite.app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY),
        ),
      );
    }
    const kept = suite.app.session.log.list().length;
    await each('log-older-kept', async (page) => {
      await page.getByTestId('tab-requests').click();
      const rows = page.locator('[data-testid="request-list"] li');
      const older = page.getByTestId('log-older');
      await older.filter({ hasText: `${(kept - 200).toLocaleString('en-US')} older kept — show` }).waitFor();
      assert.equal(await rows.count(), 200);
      await older.scrollIntoViewIfNeeded();
    });
    const { context, page } = await openPage(suite.browser, suite.app);
    try {
      await page.getByTestId('tab-requests').click();
      await page.getByTestId('log-older').click();
      await page
        .locator('[data-testid="request-list"] li')
        .nth(Math.min(kept, 400) - 1)
        .waitFor();
      assert.equal(await page.locator('[data-testid="request-list"] li').count(), Math.min(kept, 400));
    } finally {
      await context.close();
    }
  });

  it('a page that got only the newest requests (the first frame holds 512 KiB) loads the older ones from the app', async () => {
    // Requests with 3 KiB bodies: 500 of them are about 2 MB of log, four times the first frame.
    const big = JSON.stringify({
      _type: 'TestConnectionRequest',
      connectionDetails: { note: 'x'.repeat(3000) },
    });
    for (let sent = 0; sent < 500; sent += 50) {
      await Promise.all(
        Array.from({ length: 50 }, () => postMirror(suite.app.mirrorUrl(), 'api/connection', big)),
      );
    }
    const keptByApp = suite.app.session.log.list().length;
    const { context, page } = await openPage(suite.browser, suite.app);
    try {
      await page.getByTestId('tab-requests').click();
      const count = page.getByTestId('request-count');
      const load = page.getByTestId('log-load-older');
      await load.waitFor();
      const before = await text(count);
      const heldBefore = Number(
        /([\d,]+) of the last [\d,]+ loaded/.exec(before)?.[1]?.replace(/,/g, '') ?? 'NaN',
      );
      assert.ok(heldBefore < keptByApp, `the page first holds fewer than the app's ${keptByApp}: ${before}`);
      await screenshot(page, 'log-load-older-420-light');
      // A page at a time, until the page holds what the app keeps.
      const idle = page.locator('[data-testid="log-load-older"]:not([aria-busy="true"])');
      for (let pages = 0; pages < 10 && (await load.isVisible()); pages++) {
        await load.click();
        // Busy while a page loads; then shown again (more to load) or hidden (all loaded).
        await idle.waitFor({ state: 'attached' });
      }
      await load.waitFor({ state: 'hidden' });
      await count.filter({ hasText: `last ${keptByApp.toLocaleString('en-US')} kept` }).waitFor();
    } finally {
      await context.close();
    }
  });
});
