// The window's ways in: the first-run authtoken form, a wrong control token, and the keyboard.
// The app starts with the "ngrok" plan and no authtoken, so it serves locally until one is saved;
// a saved token then opens LocalForwarderTunnel (ngrok's servers are out of reach here).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { type RunningControlServer, startControlServer } from '../../server/control/server';
import {
  browserSkip,
  launchBrowser,
  openPage,
  REFUSED_AUTHTOKEN,
  screenshot,
  startApp,
  type TestApp,
  text,
  UI_ROOT,
  waitForState,
} from './harness';

describe('the window, first run and access', { skip: browserSkip }, () => {
  let browser: Browser;
  let app: TestApp;

  before(async () => {
    browser = await launchBrowser();
    app = await startApp();
    assert.equal(app.session.state.phase, 'local');
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  it('a wrong control token gets no data, and the page says why', async () => {
    const url = new URL(app.uiUrl);
    url.searchParams.set('token', 'wrong-token');
    const { page, context } = await openPage(browser, app, { url: url.toString() });
    try {
      const error = page.getByTestId('token-error');
      await error.waitFor();
      assert.match(await text(error), /control token was refused/);
      assert.match(await text(error), /Missing or wrong control token/);
      assert.equal(await page.getByTestId('value-apiKey').count(), 0, 'no connection details on the page');
      assert.ok(!(await page.content()).includes(app.session.state.connection.apiKey ?? 'no key'));
      const status = await page.evaluate(
        async () => (await fetch('/control/state?token=wrong-token')).status,
      );
      assert.equal(status, 401);
      const bearer = await page.evaluate(
        async () => (await fetch('/control/state', { headers: { authorization: 'Bearer wrong' } })).status,
      );
      assert.equal(bearer, 401);
      await screenshot(page, '8-wrong-token');
    } finally {
      await context.close();
    }
  });

  it('without any token, the page says where to find one', async () => {
    const { page, context } = await openPage(browser, app, { url: `${app.controlOrigin}/` });
    try {
      await page.getByTestId('token-error').filter({ hasText: 'needs the app’s control token' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('first run: asks for the ngrok authtoken, saves it, and shows the tunnel come online', async () => {
    const { page, context, problems } = await openPage(browser, app);
    try {
      const form = page.getByTestId('first-run');
      await form.waitFor();
      assert.equal(await text(page.getByTestId('status-pill')), 'Local only');
      const link = form.getByRole('link', { name: 'your ngrok dashboard' });
      assert.equal(await link.getAttribute('href'), 'https://dashboard.ngrok.com/get-started/your-authtoken');
      assert.equal(await link.getAttribute('target'), '_blank');
      assert.match((await link.getAttribute('rel')) ?? '', /noopener/);
      assert.equal(await page.getByTestId('value-mirrorUrl').textContent(), app.mirrorUrl());
      await screenshot(page, '9-first-run', true);

      // A value the session refuses stays in the box, with the reason.
      const input = page.getByTestId('authtoken-input');
      await input.fill('bad token!');
      await page.getByRole('button', { name: 'Save and connect' }).click();
      await form
        .getByRole('alert')
        .filter({ hasText: 'The ngrok authtoken does not look like an ngrok authtoken' })
        .waitFor();
      assert.equal(await input.inputValue(), 'bad token!');

      const token = 'first-run-token-wxyz';
      await input.fill(token);
      await page.getByRole('button', { name: 'Save and connect' }).click();
      await waitForState(app.session, (s) => s.phase === 'online');
      await page.getByTestId('status-pill').filter({ hasText: 'Online' }).waitFor();
      await form.waitFor({ state: 'hidden' });
      assert.equal(await page.getByTestId('value-mirrorUrl').textContent(), app.publicUrl());
      assert.ok(!(await page.content()).includes(token), 'the token is never shown');
      await page.getByTestId('tab-settings').click();
      assert.match(await text(page.getByTestId('authtoken-status')), /…wxyz/);

      // Forget it again: back to local mode and the form.
      await page.getByTestId('forget-authtoken').click();
      await waitForState(app.session, (s) => s.phase === 'local');
      await page.getByTestId('tab-setup').click();
      await form.waitFor();
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('a refused authtoken: the tunnel error in plain words, Change authtoken, and a good one fixes it', async () => {
    const { page, context } = await openPage(browser, app);
    try {
      await page.getByTestId('authtoken-input').fill(REFUSED_AUTHTOKEN);
      await page.getByRole('button', { name: 'Save and connect' }).click();
      await waitForState(app.session, (s) => s.phase === 'tunnel-error');
      await page.getByTestId('status-pill').filter({ hasText: 'Tunnel error' }).waitFor();
      // A toast still up does not contradict the card ("Opening the tunnel…" beside "Tunnel error").
      const toastSays = await page
        .getByTestId('toast')
        .evaluate((el) => (el.classList.contains('visible') ? (el.textContent ?? '') : ''));
      assert.doesNotMatch(toastSays, /Opening the tunnel/);
      const message = await text(page.getByTestId('status-message'));
      assert.match(message, /ngrok rejected the authtoken/);
      assert.match(message, /keeps serving locally/);
      const link = page.getByTestId('status-message').getByRole('link');
      assert.equal(await link.getAttribute('href'), 'https://dashboard.ngrok.com/get-started/your-authtoken');
      // The mirror still serves locally, and the page says so.
      assert.equal(await text(page.getByTestId('value-mirrorUrl')), app.mirrorUrl());
      await screenshot(page, '9b-tunnel-error', true);

      // Try again stops and starts (through phases with no buttons): focus comes back to Try again.
      const revision = app.session.state.revision;
      await page.getByRole('button', { name: 'Try again' }).focus();
      await page.keyboard.press('Enter');
      await waitForState(app.session, (s) => s.revision > revision && s.phase === 'tunnel-error');
      await page.waitForFunction(() => document.activeElement?.textContent === 'Try again', null, {
        timeout: 5000,
      });
      // The same failure again: the card says the try ran, and when, rather than nothing changing.
      assert.match(
        await text(page.locator('.status-card .inline-message')),
        /^Tried again at \d\d:\d\d:\d\d: the tunnel failed again, for the reason above\.$/,
      );
      await screenshot(page, 'tunnel-tried-again-420-light');

      await page.getByRole('button', { name: 'Change authtoken' }).click();
      const input = page.getByTestId('authtoken-input');
      await input.waitFor();
      assert.ok(await input.evaluate((element) => element === document.activeElement), 'the box has focus');
      await input.fill('a-good-token-1234');
      await page.getByRole('button', { name: 'Save and connect' }).click();
      await waitForState(app.session, (s) => s.phase === 'online');
      await page.getByTestId('status-pill').filter({ hasText: 'Online' }).waitFor();
      await page.getByTestId('first-run').waitFor({ state: 'hidden' });
      // Back to the first-run state for the next tests.
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('forget-authtoken').click();
      await waitForState(app.session, (s) => s.phase === 'local');
    } finally {
      await context.close();
    }
  });

  it('every action is reachable by keyboard: tabs, copy, Stop & clean up and its dialog', async () => {
    const { page, context } = await openPage(browser, app);
    try {
      await page.getByTestId('first-run').waitFor();
      // From the top of the page: the status pill (a button to the status), then Stop & clean up.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Local only');
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Stop & clean up');
      const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
      assert.equal(outline, 'solid', 'focus is visible');
      await page.keyboard.press('Enter');
      await page.getByTestId('cleanup-dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.getByTestId('cleanup-dialog').waitFor({ state: 'hidden' });
      // Arrow keys move between tabs.
      await page.getByTestId('tab-setup').focus();
      await page.keyboard.press('ArrowRight');
      assert.equal(await page.getByTestId('tab-requests').getAttribute('aria-selected'), 'true');
      await page.keyboard.press('End');
      assert.equal(await page.getByTestId('tab-settings').getAttribute('aria-selected'), 'true');
    } finally {
      await context.close();
    }
  });

  it('Stop & clean up by keyboard leaves focus in the report; while stopped, Add… opens the token form', async () => {
    const { page, context, problems } = await openPage(browser, app);
    try {
      await page.getByTestId('first-run').waitFor();
      await page.getByTestId('stop-cleanup').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('cleanup-dialog').waitFor();
      // The dialog opens with focus on Cancel (Enter at once stops nothing); Tab reaches the confirm button.
      assert.equal(
        await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
        'cancel-cleanup',
      );
      await page.keyboard.press('Tab');
      await page.keyboard.press('Enter');
      await waitForState(app.session, (s) => s.phase === 'stopped');
      await page.getByTestId('stopped').waitFor();
      await page.waitForFunction(() => document.activeElement?.closest('[data-testid="stopped"]'), null, {
        timeout: 2000,
      });
      // Enter again acts on the report, not on the header button (now Start).
      await page.keyboard.press('Enter');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(app.session.state.phase, 'stopped');
      const form = page.getByTestId('first-run');
      assert.ok(await form.isHidden(), 'not asked for while stopped');

      // Settings → Add…: the form shows on Setup, stopped or not, with focus in its box, and can be cancelled.
      await page.getByTestId('tab-settings').click();
      await page.getByRole('button', { name: 'Add…' }).click();
      await form.waitFor();
      const input = page.getByTestId('authtoken-input');
      assert.ok(await input.evaluate((element) => element === document.activeElement), 'the box has focus');
      const intro = await text(form);
      assert.match(intro, /It is used at the next Start\./);
      assert.doesNotMatch(intro, /did not work/);
      await form.getByRole('button', { name: 'Cancel' }).click();
      await form.waitFor({ state: 'hidden' });

      // Saved while stopped: the form closes, and Start opens the tunnel with it; the form stays closed.
      await page.getByTestId('tab-settings').click();
      await page.getByRole('button', { name: 'Add…' }).click();
      await input.fill('stopped-token-5678');
      await form.getByRole('button', { name: 'Save', exact: true }).click();
      await form.waitFor({ state: 'hidden' });
      assert.equal(app.session.state.phase, 'stopped');
      assert.ok(app.session.state.settings.hasAuthtoken);
      await page.getByTestId('start').click();
      await waitForState(app.session, (s) => s.phase === 'online');
      await page.getByTestId('status-pill').filter({ hasText: 'Online' }).waitFor();
      assert.ok(await form.isHidden(), 'the form does not come back unasked after Start');

      // Back to the first-run state for the next tests.
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('forget-authtoken').click();
      await waitForState(app.session, (s) => s.phase === 'local');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });

  it('run without a tunnel: one click, and the URL for StackState in Docker', async () => {
    const { page, context } = await openPage(browser, app);
    try {
      await page.getByTestId('no-tunnel').click();
      await waitForState(app.session, (s) => s.phase === 'online' && s.tunnel.kind === 'none');
      await page.getByTestId('status-pill').filter({ hasText: 'Ready' }).waitFor();
      await page
        .getByTestId('status-headline')
        .filter({ hasText: /^Ready$/ })
        .waitFor();
      // The header fits the small window: nothing sticks out on the right.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.equal(overflow, 0);
      const url = await page.getByTestId('value-mirrorUrl').textContent();
      assert.match(url ?? '', /^http:\/\/host\.docker\.internal:\d+\/$/);
      // The mirror now listens beyond loopback: the warning says so.
      await page.locator('.status-card .warning').filter({ hasText: '0.0.0.0' }).waitFor();
      await screenshot(page, '10-no-tunnel');
    } finally {
      await context.close();
    }
  });

  it('says the app is not running while the stream is down, switches actions off, and recovers on its own', async () => {
    const { page, context } = await openPage(browser, app);
    const { port, token } = app.runtime.control;
    let replacement: RunningControlServer | null = null;
    try {
      await page.getByTestId('status-headline').waitFor();
      const pill = await text(page.getByTestId('status-pill'));
      await app.runtime.control.close();
      const banner = page.getByTestId('link-banner');
      await banner.filter({ hasText: 'The app is not running' }).waitFor({ timeout: 10_000 });
      assert.equal(await text(page.getByTestId('status-pill')), 'App stopped');
      assert.ok(await page.getByTestId('copy-mirrorUrl').isDisabled(), 'no copying a URL that is dead');
      await screenshot(page, '11-disconnected');
      // The same control API comes back on the same port: EventSource reconnects by itself.
      replacement = await startControlServer({ session: app.session, uiRoot: UI_ROOT, port, token });
      await banner.waitFor({ state: 'hidden', timeout: 15_000 });
      assert.equal(await text(page.getByTestId('status-pill')), pill);
      assert.ok(await page.getByTestId('copy-mirrorUrl').isEnabled(), 'the actions come back with the app');
    } finally {
      await context.close();
      await replacement?.close();
    }
  });
});
