// The data-source choice in a real Chromium: the kinds come from the registry through the session,
// a choice saved in the form is what the mirror then serves, and the request time-out is a setting.
// Screenshots at the window's three sizes, light and dark.
import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { DATA_SOURCE_KINDS } from '../../server/telemetry';
import {
  browserForSuite,
  browserSkip,
  openPage,
  postMirror,
  screenshot,
  text,
  waitForState,
} from './harness';

const SIZES = [
  { width: 360, height: 600 },
  { width: 420, height: 720 },
  { width: 900, height: 700 },
] as const;

describe('the data-source choice', { skip: browserSkip }, () => {
  const suite = browserForSuite();

  it('offers every kind of the registry, and the saved one is what the mirror serves', async () => {
    const { context, page, problems } = await openPage(suite.browser, suite.app);
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
      await waitForState(suite.app.session, (state) => state.dataSource.kind === 'tutorial');
      assert.equal(suite.app.session.state.settings.requestTimeoutSeconds, 7);
      // The mirror now answers with the tutorial's fields.
      const names = await postMirror(
        suite.app.mirrorUrl(),
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

  it('Test asks the data source as the form has it, unsaved: OK for the demo, the cause for a Prometheus that is not there', async (t) => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const webPage = await servingWebPage();
    t.after(() => webPage.close());
    for (const colorScheme of ['light', 'dark'] as const) {
      const { context, page } = await openPage(suite.browser, suite.app, { colorScheme });
      try {
        await page.getByTestId('tab-settings').click();
        await page.getByTestId('dataSource-demo').check();
        await page.getByTestId('test-data-source').click();
        const said = page.getByTestId('settings-form').locator('.inline-message').first();
        await said.filter({ hasText: 'Demo data: Test Connection answers OK.' }).waitFor();
        await page.getByTestId('dataSource-prometheus').check();
        await page.getByTestId('data-source-prometheus-url').fill(`http://127.0.0.1:${port}`);
        await page.getByTestId('test-data-source').click();
        const failed = said.filter({ hasText: `Prometheus at http://127.0.0.1:${port}` });
        await failed.waitFor();
        assert.match(await text(failed), /refused|nothing listens|not reach/i);
        assert.equal(suite.app.session.state.dataSource.kind, 'tutorial', 'a test saves nothing');
        await screenshot(page, `data-source-test-failed-420-${colorScheme}`, true);
        // A URL that serves a web page (a dashboard) instead of the API: the cause says to check the URL.
        await page.getByTestId('data-source-prometheus-url').fill(webPage.origin);
        await page.getByTestId('test-data-source').click();
        const notApi = said.filter({ hasText: 'the URL serves something else (a web page?)' });
        await notApi.waitFor();
        assert.match(
          await text(notApi),
          new RegExp(
            `^Prometheus at ${webPage.origin} answered Test Connection with more than 64 KiB.*Check that it is the address of the Prometheus server`,
          ),
          'the message names the URL once',
        );
        for (const width of [360, 420, 900]) {
          await page.setViewportSize({ width, height: 900 });
          await screenshot(page, `data-source-test-web-page-${width}-${colorScheme}`, true);
        }
      } finally {
        await context.close();
      }
    }
  });

  it('a request time-out out of range is refused next to the form, in the form’s words', async () => {
    const { context, page } = await openPage(suite.browser, suite.app);
    try {
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('settings-timeout').fill('900');
      await page.getByRole('button', { name: 'Save settings' }).click();
      const error = page.getByTestId('settings-form').getByRole('alert');
      await error.waitFor();
      assert.match(await text(error), /^Request time-out must be a whole number of seconds from 1 to 300/);
      assert.equal(suite.app.session.state.settings.requestTimeoutSeconds, 7, 'nothing was saved');
      for (const colorScheme of ['light', 'dark'] as const) {
        for (const size of SIZES) {
          const shot = await openPage(suite.browser, suite.app, { ...size, colorScheme });
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

/** A web app on 127.0.0.1 that answers every path with a 100 KB page, as a dashboard's catch-all does. */
async function servingWebPage(): Promise<{ origin: string; close(): void }> {
  const page = `<html>${'<p>a dashboard</p>'.repeat(6000)}</html>`;
  const server = createHttpServer((_request, response) =>
    response.writeHead(200, { 'content-type': 'text/html' }).end(page),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
