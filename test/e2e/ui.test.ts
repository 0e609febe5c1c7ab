// The window in a real Chromium against the real app: the values to paste, the live inspector,
// the checklist, settings, and Stop & clean up. Requests "through the tunnel" go through
// LocalForwarderTunnel (ngrok's servers are out of reach here; see harness.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Browser, Page } from 'playwright-core';
import { copyAllText } from '../../renderer/src/lib/connection-text';
import { curlBase, curlFor } from '../../renderer/src/lib/curl';
import {
  browserSkip,
  launchBrowser,
  metricRequestBody,
  type OpenedPage,
  openPage,
  postMirror,
  STAND_IN_AUTHTOKEN,
  screenshot,
  startApp,
  TEST_CONNECTION_BODY,
  type TestApp,
  text,
  waitForState,
} from './harness';

const readClipboard = (page: Page) => page.evaluate(() => navigator.clipboard.readText());

/** Listens on the port and closes again: true when nothing else holds it. */
function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

describe('the window, with the tunnel online', { skip: browserSkip }, () => {
  let browser: Browser;
  let app: TestApp;
  let opened: OpenedPage;
  let page: Page;

  before(async () => {
    browser = await launchBrowser();
    app = await startApp({ tunnel: true });
    opened = await openPage(browser, app);
    page = opened.page;
    await page.getByTestId('status-pill').filter({ hasText: 'Online' }).waitFor();
  });

  after(async () => {
    await opened?.context.close();
    await browser?.close();
    await app?.stop();
  });

  it('removes the token from the address bar and keeps it for a reload', async () => {
    assert.ok(!page.url().includes('token='), page.url());
    await page.reload();
    await page.getByTestId('status-pill').filter({ hasText: 'Online' }).waitFor();
  });

  it('shows the session’s three values, and each copy button copies exactly that value', async () => {
    const { connection } = app.session.state;
    assert.equal(connection.mirrorUrl, app.publicUrl());
    const expected = {
      mirrorUrl: connection.mirrorUrl!,
      apiKey: connection.apiKey,
      connectionDetails: connection.connectionDetails,
    };
    for (const [key, value] of Object.entries(expected)) {
      assert.equal(await page.getByTestId(`value-${key}`).textContent(), value, key);
      await page.getByTestId(`copy-${key}`).click();
      assert.equal(await readClipboard(page), value, `clipboard after copying ${key}`);
    }
    await page.getByTestId('copy-all').click();
    assert.equal(await readClipboard(page), copyAllText(connection));
    assert.match(await text(page.locator('.connection')), /not a password/);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(overflow, 0, 'nothing sticks out of the small window');
    await screenshot(page, '1-main-view');
  });

  it('self-test calls Test Connection through the tunnel and says so', async () => {
    await page.getByTestId('self-test').click();
    const result = page.locator('.connection .inline-message');
    await result.filter({ hasText: 'right API key' }).waitFor();
    assert.match(await text(result), new RegExp(app.publicUrl().replace(/[/.]/g, '\\$&')));
  });

  it('lists a real POST /api/metric within a second, with its summary, detail and a correct cURL', async () => {
    await page.getByTestId('tab-requests').click();
    const body = metricRequestBody();
    const response = await postMirror(app.mirrorUrl(), 'api/metric', body);
    assert.equal(response.status, 200, response.text);
    const sent = Date.now();
    const entry = app.session.log.list().at(-1)!;
    assert.equal(entry.operation, 'metrics');
    const row = page.locator(`[data-testid="request-list"] li[data-id="${entry.id}"]`);
    await row.waitFor({ timeout: 1000 });
    const seenAfter = Date.now() - sent;
    assert.ok(seenAfter < 1000, `shown after ${seenAfter} ms`);
    assert.match(entry.summary, /cpu\.usage/);
    assert.equal(await row.locator('.r-summary').textContent(), entry.summary);
    assert.equal(await row.locator('.r-op').textContent(), 'Metric values');
    assert.equal(await row.locator('.r-status').textContent(), '200');
    assert.equal(await row.locator('.badge').textContent(), 'local');
    assert.equal(
      await page.locator('[data-testid="request-list"] li').first().getAttribute('data-id'),
      String(entry.id),
      'newest first',
    );

    await row.locator('button').click();
    const detail = page.getByTestId('request-detail');
    await detail.waitFor();
    assert.equal(await page.getByTestId('request-body').textContent(), entry.requestBody);
    assert.equal(await page.getByTestId('response-body').textContent(), entry.responseBody);
    await screenshot(page, '2-request-detail');

    await page.getByTestId('copy-curl').click();
    const command = await readClipboard(page);
    const base = curlBase(app.session.state)!;
    assert.equal(base, app.publicUrl(), 'the cURL goes to the URL StackState uses');
    assert.equal(command, curlFor(entry, base).command);
    assert.ok(
      command.startsWith(
        `curl -sS -X POST '${app.publicUrl()}api/metric' -H 'Content-Type: application/json' --data-raw '`,
      ),
    );
    // Run the copied command itself, in a shell: through the tunnel, the mirror answers exactly as before.
    // (Asynchronously: the mirror and the tunnel run in this very process.)
    const { stdout } = await promisify(execFile)('sh', ['-c', command], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    assert.deepEqual(JSON.parse(stdout), JSON.parse(response.text));
  });

  it('replays a request from the detail view', async () => {
    // A short window: the answer fits the log's body bound, so the entry is not truncated.
    await postMirror(app.mirrorUrl(), 'api/metric', metricRequestBody(Date.now(), 10 * 60_000));
    const original = app.session.log.list().at(-1)!;
    assert.equal(original.requestTruncated, false);
    await page.getByRole('button', { name: '← Requests' }).click();
    await page.locator(`[data-testid="request-list"] li[data-id="${original.id}"] button`).click();
    const before = app.session.log.size;
    await page.getByTestId('replay').click();
    await page.locator('.detail .inline-message').filter({ hasText: 'Replayed as #' }).waitFor();
    assert.ok(app.session.log.size > before);
    const replayed = app.session.log.list().at(-1)!;
    assert.equal(await page.getByTestId('detail-title').textContent(), `Metric values · #${replayed.id}`);
    await page.getByRole('button', { name: '← Requests' }).click();
  });

  it('closes a detail whose request was cleared, here and in every other window', async () => {
    await postMirror(app.mirrorUrl(), 'api/metric', metricRequestBody(Date.now(), 10 * 60_000));
    const entry = app.session.log.list().at(-1)!;
    const detail = page.getByTestId('request-detail');
    await page.locator(`[data-testid="request-list"] li[data-id="${entry.id}"] button`).click();
    await detail.waitFor();
    // A wide window shows the list beside the detail, so its Clear is at hand with the detail open.
    const wide = await openPage(browser, app, { width: 1200, height: 800 });
    try {
      await wide.page.getByTestId('tab-requests').click();
      await wide.page.locator(`[data-testid="request-list"] li[data-id="${entry.id}"] button`).click();
      const wideDetail = wide.page.getByTestId('request-detail');
      await wideDetail.waitFor();
      await wide.page.getByRole('button', { name: 'Clear' }).click();
      await wideDetail.waitFor({ state: 'hidden' });
      assert.equal(await text(wide.page.getByTestId('request-count')), 'No requests');
      assert.equal(app.session.log.size, 0);
      assert.deepEqual(wide.problems, []);
    } finally {
      await wide.context.close();
    }
    // The narrow window's detail (it hides the list) closes too; focus, which was in it, goes to the count.
    await detail.waitFor({ state: 'hidden' });
    await page.getByTestId('request-count').filter({ hasText: 'No requests' }).waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'request-count',
    );
  });

  it('ticks "data source added" for a Test Connection through the tunnel, not for a local one', async () => {
    await page.getByTestId('tab-setup').click();
    const step = page.locator('[data-step="dataSource"]');
    assert.equal(app.session.state.milestones.firstTestConnection, null);

    const local = await postMirror(app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    assert.equal(local.status, 200);
    const localEntry = app.session.log.list().at(-1)!;
    assert.equal(localEntry.origin, 'local');
    // Once the page has shown the local request, it has had its chance to tick: it must not have.
    await page
      .locator(`[data-testid="request-list"] li[data-id="${localEntry.id}"]`)
      .waitFor({ state: 'attached' });
    assert.equal(await step.getAttribute('data-status'), 'current');
    assert.equal(app.session.state.milestones.firstTestConnection, null);

    const viaTunnel = await postMirror(app.publicUrl(), 'api/connection', TEST_CONNECTION_BODY);
    assert.equal(viaTunnel.status, 200);
    assert.equal(app.session.log.list().at(-1)!.origin, 'tunnel');
    await page.locator('[data-step="dataSource"][data-status="done"]').waitFor({ timeout: 2000 });
    await page.locator('[data-step="stream"][data-status="current"]').waitFor();

    // The stream step: a field lookup and a metric query through the tunnel tick it.
    const now = Date.now();
    await postMirror(
      app.publicUrl(),
      'api/field/name',
      JSON.stringify({
        _type: 'FieldNamesRequest',
        query: { _type: 'FieldNamesQuery', conditions: [], startTime: now - 3_600_000, endTime: now },
      }),
    );
    await postMirror(app.publicUrl(), 'api/metric', metricRequestBody());
    await page.locator('[data-step="stream"][data-status="done"]').waitFor({ timeout: 2000 });
    await screenshot(page, '1b-checklist-ticked', true);
  });

  it('settings: a refused change is shown next to the form, and what was typed stays', async () => {
    await page.getByTestId('tab-settings').click();
    const cidrs = page.getByTestId('settings-cidrs');
    await cidrs.fill('203.0.113.0/24\nnot-a-cidr');
    await page.getByRole('button', { name: 'Save settings' }).click();
    const error = page.getByTestId('settings-form').getByRole('alert');
    await error.waitFor();
    assert.match(await text(error), /^IP allow-list must be a list of CIDRs/);
    assert.equal(await cidrs.inputValue(), '203.0.113.0/24\nnot-a-cidr');
    // A state event meanwhile must not overwrite the form either.
    await postMirror(app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
    await app.session.regenerateApiKey();
    await page
      .getByTestId('settings-api-key')
      .filter({ hasText: app.session.state.connection.apiKey ?? 'no key' })
      .waitFor();
    assert.equal(await cidrs.inputValue(), '203.0.113.0/24\nnot-a-cidr');
    assert.match(await text(page.getByTestId('authtoken-status')), /…abcd/);
    assert.ok(!(await page.content()).includes(STAND_IN_AUTHTOKEN), 'the authtoken never reaches the page');
    await screenshot(page, '3-settings', true);
    await page.getByRole('button', { name: 'Undo changes' }).click();
    assert.equal(await cidrs.inputValue(), '');
  });

  it('starts and ends a simulated incident (demo profile)', async () => {
    await page.getByTestId('tab-incidents').click();
    await page.getByTestId('incident-host').selectOption('a-host');
    await page.getByTestId('incident-metric').selectOption('cpu.usage');
    await page.getByRole('button', { name: 'Start incident' }).click();
    await page.getByTestId('incident-list').locator('li').filter({ hasText: 'a-host' }).waitFor();
    assert.equal(app.session.state.incidents.length, 1);
    await screenshot(page, '4-incidents');
    await page.getByTestId('end-incidents').click();
    await page.getByTestId('incident-list').locator('li').waitFor({ state: 'detached' });
    assert.equal(app.session.state.incidents.length, 0);
  });

  it('Stop & clean up asks first, then shows its report, and the mirror port is free', async () => {
    const { port } = app.session.state.mirror;
    assert.ok(port);
    // A request's detail is open: clean-up clears the log, so the detail must close with it.
    await page.getByTestId('tab-requests').click();
    await page.locator('[data-testid="request-list"] li').first().locator('button').click();
    await page.getByTestId('request-detail').waitFor();
    await page.getByTestId('stop-cleanup').click();
    const dialog = page.getByTestId('cleanup-dialog');
    await dialog.waitFor();
    assert.match(await text(dialog), new RegExp(`port ${port}`));
    assert.match(await text(dialog), /Close the ngrok tunnel/);
    await screenshot(page, '5a-cleanup-dialog');
    await page.getByTestId('confirm-cleanup').click();
    const report = page.getByTestId('stopped');
    await report.waitFor();
    // Focus is in the report, not on the header button (which now says Start: Enter would restart).
    await page.waitForFunction(() => document.activeElement?.closest('[data-testid="stopped"]'), null, {
      timeout: 2000,
    });
    assert.equal(
      await page.evaluate(() => document.activeElement?.getAttribute('data-testid')),
      'stopped-title',
    );
    assert.ok(await page.getByTestId('request-detail').isHidden(), 'the cleared request’s detail is closed');
    assert.match(await text(page.getByTestId('stopped-title')), /Clean-up report/);
    const steps = await text(page.getByTestId('cleanup-steps'));
    for (const what of [
      'Tunnel closed',
      'Mirror stopped',
      `Mirror port ${port} is free`,
      'Request log cleared',
    ]) {
      assert.ok(steps.includes(what), `${what} in ${steps}`);
    }
    const remaining = page.getByTestId('remaining').locator('li');
    assert.equal(await remaining.count(), app.session.state.lastCleanup!.remainingInStackState.length);
    assert.equal(await text(page.getByTestId('status-pill')), 'Stopped');
    assert.equal(await text(page.getByTestId('request-count')), 'No requests');
    assert.ok(await canListen(port, '127.0.0.1'), `port ${port} is free`);
    await screenshot(page, '5-cleanup-report', true);

    await page.getByTestId('start').click();
    await waitForState(app.session, (s) => s.phase === 'online');
    await page.getByTestId('status-pill').filter({ hasText: 'Online' }).waitFor();
    assert.equal(await page.getByTestId('value-mirrorUrl').textContent(), app.publicUrl());
  });

  it('follows a dark system theme', async () => {
    const dark = await openPage(browser, app, { colorScheme: 'dark' });
    try {
      await dark.page.getByTestId('status-pill').filter({ hasText: 'Online' }).waitFor();
      const background = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const [r, g, b] = background.match(/\d+/g)!.map(Number);
      assert.ok(r! + g! + b! < 150, `a dark background, got ${background}`);
      await screenshot(dark.page, '6-dark-theme');
      await postMirror(app.mirrorUrl(), 'api/metric', metricRequestBody());
      await dark.page.getByTestId('tab-requests').click();
      await dark.page.locator('[data-testid="request-list"] li').first().locator('button').click();
      await screenshot(dark.page, '6b-dark-detail');
      assert.deepEqual(dark.problems, []);
    } finally {
      await dark.context.close();
    }
  });

  it('lays out side by side in a wide window', async () => {
    const wide = await openPage(browser, app, { width: 1200, height: 800 });
    try {
      await wide.page.getByTestId('status-pill').filter({ hasText: 'Online' }).waitFor();
      await screenshot(wide.page, '7-wide-setup');
      await wide.page.getByTestId('tab-requests').click();
      await wide.page.locator('[data-testid="request-list"] li').first().locator('button').click();
      await screenshot(wide.page, '7b-wide-requests');
    } finally {
      await wide.context.close();
    }
  });

  it('had no console errors, page errors or CSP violations', () => {
    assert.deepEqual(opened.problems, []);
  });
});
