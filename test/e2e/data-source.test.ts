// The data-source choice in a real Chromium: the kinds come from the registry through the session,
// a choice saved in the form is what the mirror then serves, and the request time-out is a setting.
// Screenshots at the window's three sizes, light and dark.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { DATA_SOURCE_KINDS } from '../../server/telemetry';
import {
  browserSkip,
  launchBrowser,
  openPage,
  postMirror,
  screenshot,
  startApp,
  type TestApp,
  text,
  waitForState,
} from './harness';

const SIZES = [
  { width: 360, height: 600 },
  { width: 420, height: 720 },
  { width: 900, height: 700 },
] as const;

describe('the data-source choice', { skip: browserSkip }, () => {
  let browser: Browser;
  let app: TestApp;

  before(async () => {
    browser = await launchBrowser();
    app = await startApp();
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('offers every kind of the registry, and the saved one is what the mirror serves', async () => {
    const { context, page, problems } = await openPage(browser, app);
    try {
      await page.getByTestId('tab-settings').click();
      for (const { kind, label } of DATA_SOURCE_KINDS) {
        const radio = page.getByTestId(`dataSource-${kind}`);
        await radio.waitFor({ state: 'attached' });
        assert.match(await text(page.locator('label.radio', { has: radio })), new RegExp(label));
      }
      assert.equal(await page.getByTestId('dataSource-demo').isChecked(), true);
      await page.getByTestId('dataSource-tutorial').check();
      await page.getByTestId('settings-timeout').fill('7');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await waitForState(app.session, (state) => state.dataSource.kind === 'tutorial');
      assert.equal(app.session.state.settings.requestTimeoutSeconds, 7);
      // The mirror now answers with the tutorial's fields.
      const names = await postMirror(
        app.mirrorUrl(),
        'api/field/name',
        JSON.stringify({ query: { startTime: 0, endTime: 60_000 } }),
      );
      assert.match(names.text, /"fieldName":"field1"/);
      await page.getByTestId('tab-setup').click();
      await page.getByText("The tutorial's sample").first().waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('a request time-out out of range is refused next to the form, in the form’s words', async () => {
    const { context, page } = await openPage(browser, app);
    try {
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('settings-timeout').fill('900');
      await page.getByRole('button', { name: 'Save settings' }).click();
      const error = page.getByTestId('settings-form').getByRole('alert');
      await error.waitFor();
      assert.match(await text(error), /^Request time-out must be a whole number of seconds from 1 to 300/);
      assert.equal(app.session.state.settings.requestTimeoutSeconds, 7, 'nothing was saved');
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const size of SIZES) {
          const shot = await openPage(browser, app, { ...size, colorScheme });
          try {
            await shot.page.getByTestId('tab-settings').click();
            await shot.page.getByTestId('dataSource-tutorial').waitFor({ state: 'attached' });
            const overflow = await shot.page.evaluate(
              () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
            );
            assert.ok(overflow <= 0, `the settings scroll sideways by ${overflow} px at ${size.width} px`);
            await screenshot(shot.page, `data-source-settings-${size.width}-${colorScheme}`, true);
          } finally {
            await shot.context.close();
          }
        }
      }
    } finally {
      await context.close();
    }
  });
});
