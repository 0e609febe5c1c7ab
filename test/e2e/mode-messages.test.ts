// Issue 23, item 5 in a real Chromium: with the tunnel "none" every message fits it — the mirror kept
// on 127.0.0.1 (--host) is a warning that Docker may not reach it, not a promise; a port change gives
// the new URL for Docker with no ngrok advice, and an unrelated save brings the usual sentence back.
// At 360×600, 420×720 and 900×700, light and dark.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { browserForSuite, browserSkip, openPage, screenshot, text } from './harness';
import { SCHEMES, SIZES } from './log-helpers';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the tunnel "none" with --host 127.0.0.1', { skip: browserSkip }, () => {
  const suite = browserForSuite({ overrides: { tunnel: 'none', mirrorHost: '127.0.0.1' } });

  it('warns that Docker may not reach it; a port change says the new URL, without ngrok advice, until an unrelated save', async () => {
    for (const colorScheme of SCHEMES) {
      for (const size of SIZES) {
        const { context, page, problems } = await openPage(suite.browser, suite.app, {
          ...size,
          colorScheme,
        });
        try {
          const message = page.getByTestId('status-message');
          await message.filter({ hasText: 'listens on 127.0.0.1 only' }).waitFor();
          assert.doesNotMatch(await text(message), /can reach/);
          assert.match(await text(page.locator('.status-card .warning')), /not with Docker on Linux/);
          await screenshot(page, `none-loopback-warning-${size.width}-${colorScheme}`);
          assert.deepEqual(problems, []);
        } finally {
          await context.close();
        }
      }
    }
    const { context, page } = await openPage(suite.browser, suite.app, { width: 360, height: 600 });
    try {
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('settings-port').fill(String(await freePort()));
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByTestId('tab-setup').click();
      const message = page.getByTestId('status-message');
      await message.filter({ hasText: 'port changed: StackState in Docker now calls it at' }).waitFor();
      assert.doesNotMatch(await text(message), /ngrok/, 'no ngrok advice with the tunnel "none"');
      await screenshot(page, 'none-port-changed-360-light');
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('settings-timeout').fill('25');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByTestId('tab-setup').click();
      await message.filter({ hasText: /^StackState in Docker is to call the mirror at/ }).waitFor();
    } finally {
      await context.close();
    }
  });
});
