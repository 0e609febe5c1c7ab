// The Prometheus data source's backend options in a real Chromium: custom headers (several lines),
// secret headers (hidden like the bearer token) and the per-call time-out (seconds), saved from
// the form and then sent by the mirror to a Mimir stand-in that wants a tenant (a fake: Mimir
// cannot run here; it answers 401 "no org id" without X-Scope-OrgID, as Mimir does).
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  browserForSuite,
  browserSkip,
  openPage,
  postMirror,
  screenshot,
  TEST_CONNECTION_BODY,
  waitForState,
} from './harness';

const SECRET = 'gateway-key-s3cr3t-value';

describe('the Prometheus backend options in the window', { skip: browserSkip }, () => {
  const suite = browserForSuite();
  const seen: IncomingHttpHeaders[] = [];
  const mimir = createServer((request, response) => {
    seen.push(request.headers);
    if (!request.headers['x-scope-orgid']) response.writeHead(401).end('no org id\n');
    else
      response.end(JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [0, '1'] } }));
  });

  before(async () => {
    await new Promise<void>((resolve) => mimir.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    mimir.closeAllConnections();
    mimir.close();
  });

  it('headers, a secret header and the time-out are saved from the form, sent by the mirror, and the secret never shown', async () => {
    const { context, page, problems } = await openPage(suite.browser, suite.app);
    try {
      const url = `http://127.0.0.1:${(mimir.address() as AddressInfo).port}/prometheus`;
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('dataSource-prometheus').check();
      await page.getByTestId('data-source-prometheus-url').fill(url);
      // Without the tenant, Test says what is missing.
      await page.getByTestId('test-data-source').click();
      const said = page.getByTestId('settings-form').locator('.inline-message').first();
      await said.filter({ hasText: 'asked for a tenant (X-Scope-OrgID)' }).waitFor();
      const headers = page.getByTestId('data-source-prometheus-headers');
      assert.equal(await headers.evaluate((el) => el.tagName), 'TEXTAREA');
      await headers.fill('X-Scope-OrgID: team-a\nX-Team: storage');
      await page.getByTestId('data-source-prometheus-secretHeaders').fill(`X-Api-Key: ${SECRET}`);
      const timeout = page.getByTestId('data-source-prometheus-timeoutSeconds');
      assert.equal(await timeout.getAttribute('type'), 'number');
      await timeout.fill('15');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await waitForState(suite.app.session, (state) => state.dataSource.kind === 'prometheus');
      const answer = await postMirror(suite.app.mirrorUrl(), 'api/connection', TEST_CONNECTION_BODY);
      assert.match(answer.text, /"status":"OK"/);
      const last = seen.at(-1);
      assert.equal(last?.['x-scope-orgid'], 'team-a');
      assert.equal(last?.['x-team'], 'storage');
      assert.equal(last?.['x-api-key'], SECRET);
      // A fresh page: the secret is "(set)", never its value.
      await page.reload();
      await page.getByTestId('tab-settings').click();
      const secret = page.getByTestId('data-source-prometheus-secretHeaders');
      assert.equal(await secret.inputValue(), '(set)');
      assert.equal(await secret.getAttribute('type'), 'password');
      assert.equal(await page.getByTestId('data-source-prometheus-timeoutSeconds').inputValue(), '15');
      assert.ok(!(await page.content()).includes(SECRET), 'the secret reached the page');
      await screenshot(page, 'prometheus-options-420-light', true);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
    }
  });
});
