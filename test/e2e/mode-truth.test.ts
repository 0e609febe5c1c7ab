// Issue 23, items 1 and 7 in a real Chromium: "My own mirror" shows its mirror's key, or says how to
// learn it (never the app's own); Test and Save refuse an upstream that leads back to the app, before
// anything is saved; the typed key's length and ASCII rule; Cancel first in destructive dialogs; the
// 360 px header. Each state at 360×600, 420×720 and 900×700, light and dark, in test-results/screenshots.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { FIXTURE_KEY, type FixtureMirror, startFixture } from '../cli/fixture-mirrors';
import {
  browserForSuite,
  browserSkip,
  everyLook,
  launchBrowser,
  openPage,
  screenshot,
  startApp,
  type TestApp,
  text,
  waitForState,
} from './harness';

describe('My own mirror: the key is the upstream’s', { skip: browserSkip }, () => {
  let browser: Browser;
  let app: TestApp;
  let fixture: FixtureMirror;

  before(async () => {
    browser = await launchBrowser();
    fixture = await startFixture('none');
    app = await startApp({ saved: { tunnel: 'none' } });
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
    await fixture?.stop();
  });

  it('before its first answer the key says how to learn it; after, it is the upstream’s; Regenerate and “type your own” are gone', async () => {
    const { context, page } = await openPage(browser, app);
    const ownKey = app.session.state.connection.apiKey;
    try {
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('dataSource-upstream').check();
      await page.getByTestId('data-source-upstream-url').fill(fixture.url);
      await page.getByRole('button', { name: 'Save settings' }).click();
      await waitForState(app.session, (s) => s.dataSource.kind === 'upstream');
      const key = page.getByTestId('settings-api-key');
      await key
        .filter({ hasText: 'Your mirror’s key appears after its first answer — press Self-test' })
        .waitFor();
      assert.equal(await page.getByTestId('regenerate-key').isVisible(), false, 'no Regenerate in this mode');
      assert.equal(await page.getByTestId('own-key').isVisible(), false, 'no “type your own” in this mode');
      assert.ok(!(await page.content()).includes(String(ownKey)), 'the app’s own key is nowhere on the page');
      await page.getByTestId('tab-setup').click();
      const pasteKey = page.getByTestId('value-apiKey');
      assert.match(await text(pasteKey), /appears after its first answer/);
      assert.equal(await page.getByTestId('copy-apiKey').isDisabled(), true, 'nothing to copy yet');
      assert.equal(await page.getByTestId('copy-all').isDisabled(), true);
    } finally {
      await context.close();
    }
    await everyLook(browser, app, 'own-mirror-key-unknown', async (page) => {
      await page.getByTestId('value-apiKey').filter({ hasText: 'appears after its first answer' }).waitFor();
    });

    const second = await openPage(browser, app);
    try {
      await second.page.getByTestId('self-test').click();
      await second.page
        .getByTestId('value-apiKey')
        .filter({ hasText: new RegExp(`^${FIXTURE_KEY}$`) })
        .waitFor();
      assert.equal(await second.page.getByTestId('copy-apiKey').isDisabled(), false);
    } finally {
      await second.context.close();
    }
    await everyLook(browser, app, 'own-mirror-key-known', async (page) => {
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('settings-api-key').filter({ hasText: FIXTURE_KEY }).waitFor();
      await page.getByTestId('api-key-source').filter({ hasText: 'the key your own mirror sends' }).waitFor();
    });
  });

  it('an upstream that leads back to the app is refused at Test and at Save, with the reason, and nothing is saved', async () => {
    await app.session.updateSettings({ dataSource: { kind: 'demo' } });
    const port = app.session.state.mirror.port;
    const loop = `http://127.0.0.1:${port}/`;
    await everyLook(browser, app, 'own-mirror-loop-refused', async (page) => {
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('dataSource-upstream').check();
      await page.getByTestId('data-source-upstream-url').fill(loop);
      // The Test button stands beside the URL it tests.
      const [button, input] = [
        page.getByTestId('test-data-source'),
        page.getByTestId('data-source-upstream-url'),
      ];
      const [b, i] = [await button.boundingBox(), await input.boundingBox()];
      assert.ok(
        b && i && Math.abs(b.y + b.height / 2 - (i.y + i.height / 2)) < 4,
        'Test sits on the URL’s row',
      );
      await button.click();
      const said = page.getByTestId('settings-form').locator('.inline-message.tone-error').first();
      await said.filter({ hasText: `127.0.0.1:${port}/ is this app's own mirror` }).waitFor();
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page
        .getByTestId('settings-form')
        .getByRole('alert')
        .filter({
          hasText: /^Data source: .*is this app's own mirror, so every request would come back here/,
        })
        .waitFor();
      assert.equal(app.session.state.dataSource.kind, 'demo', 'nothing was saved');
      assert.equal(await page.getByTestId('status-pill').textContent(), 'Ready');
      await page.getByTestId('test-data-source').scrollIntoViewIfNeeded();
    });
  });
});

describe('the small ones', { skip: browserSkip }, () => {
  // The tutorial's sample: no incidents to simulate, so the Check tab is offered.
  const suite = browserForSuite({ saved: { dataSource: { kind: 'tutorial' } } });

  it('a typed key too long or not ASCII is refused with what is wrong, never cut; Cancel has the focus in Regenerate', async () => {
    const before = suite.app.session.state.connection.apiKey;
    await everyLook(suite.browser, suite.app, 'own-key-refused', async (page) => {
      await page.getByTestId('tab-settings').click();
      const own = page.getByTestId('own-key');
      await own.fill('k'.repeat(201));
      assert.equal((await own.inputValue()).length, 201, 'the field keeps all 201 characters');
      await page.getByTestId('own-key-count').filter({ hasText: '201 of 200.' }).waitFor();
      await page.getByTestId('use-own-key').click();
      await page
        .locator('.inline-message.tone-error')
        .filter({ hasText: 'The Api Key is 201 characters long; it may have at most 200.' })
        .waitFor();
      await own.fill('clé');
      await page.getByTestId('use-own-key').click();
      await page
        .locator('.inline-message.tone-error')
        .filter({
          hasText: 'The Api Key may hold only ASCII letters, digits and punctuation: “é” is not one.',
        })
        .waitFor();
      await page.locator('.inline-message.tone-error').filter({ hasText: '“é”' }).scrollIntoViewIfNeeded();
      assert.equal(suite.app.session.state.connection.apiKey, before, 'nothing was saved');
    });
    const { context, page } = await openPage(suite.browser, suite.app);
    try {
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('regenerate-key').click();
      await page.getByTestId('regenerate-dialog').waitFor();
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Cancel');
      await page.keyboard.press('Enter');
      await page.getByTestId('regenerate-dialog').waitFor({ state: 'hidden' });
      assert.equal(suite.app.session.state.connection.apiKey, before, 'Enter at once cancels');
      await page.getByTestId('stop-cleanup').click();
      await page.getByTestId('cleanup-dialog').waitFor();
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
        'cancel-cleanup',
      );
      await screenshot(page, 'cleanup-dialog-focus-420-light');
      await page.keyboard.press('Enter');
      await page.getByTestId('cleanup-dialog').waitFor({ state: 'hidden' });
      assert.notEqual(suite.app.session.state.phase, 'stopped', 'Enter at once cancels the clean-up');
    } finally {
      await context.close();
    }
  });

  it('at 360 px the header keeps the app name and an 18 px logo; inputs are styled in dark mode', async () => {
    await everyLook(suite.browser, suite.app, 'header-and-check-inputs', async (page) => {
      await page.getByTestId('status-pill').waitFor();
      const brand = await page.evaluate(() => {
        const name = document.querySelector<HTMLElement>('.brand-name')!;
        const logo = document.querySelector<HTMLElement>('.logo')!.getBoundingClientRect();
        return {
          cut: name.scrollWidth > name.clientWidth,
          text: name.textContent,
          logo: [logo.width, logo.height],
        };
      });
      assert.deepEqual(brand, { cut: false, text: 'Mirror Tray', logo: [18, 18] });
      await page.getByTestId('tab-check').click();
      const url = page.getByTestId('check-url');
      const [input, card] = await Promise.all([
        url.evaluate((el) => getComputedStyle(el).backgroundColor),
        url.evaluate((el) => getComputedStyle(el.closest('.card')!).backgroundColor),
      ]);
      assert.equal(input, card, 'the URL input wears the card’s surface, not the browser’s white');
    });
  });
});
