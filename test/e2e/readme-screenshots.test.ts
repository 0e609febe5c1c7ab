// The README's screenshots, drawn by a real Chromium from the running app, so they show what a user
// sees today: the window once the tunnel is online, with the three values to paste. Deterministic:
// a fixed API key, a fixed local port (SCREENSHOT_PORT; the test skips, saying so, where it is
// taken), a fixed public URL (ngrok cannot run here: a stand-in tunnel reports the URL the
// README's example uses and forwards nothing, which the picture does not need), a fixed window size,
// no animations. The test draws each picture twice, from two page loads, and requires the same
// bytes. It writes them to test-results/screenshots/readme/, and to docs/screenshots/ (the tracked
// pictures) only when asked by `npm run screenshots`: fonts differ from machine to machine, and a
// test run must not leave the work tree changed.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { startRuntime } from '../../server/runtime';
import { FileSettingsStore } from '../../server/settings/file-store';
import type { Tunnel, TunnelEvents, TunnelStatus } from '../../server/tunnel/tunnel';
import {
  browserSkip,
  launchBrowser,
  openPage,
  SCREENSHOTS,
  STAND_IN_AUTHTOKEN,
  UI_ROOT,
  waitForState,
} from './harness';

/** Where the pictures go: the README's own only for `npm run screenshots` (scripts/screenshots.mjs). */
const OUT =
  process.env.README_SCREENSHOTS === 'docs'
    ? fileURLToPath(new URL('../../docs/screenshots', import.meta.url))
    : join(SCREENSHOTS, 'readme');
export const EXAMPLE_PUBLIC_URL = 'https://example-mirror.ngrok-free.app/';
const EXAMPLE_API_KEY = 'mirror-Xq3v9LbT2pWc7RkD';
/** The window shows the mirror's local address: a fixed port keeps the picture the same run after run. */
const SCREENSHOT_PORT = 47007;

/** ngrok online at a fixed URL (a stand-in: ngrok's servers are out of reach here). */
class FixedUrlTunnel extends EventEmitter<TunnelEvents> implements Tunnel {
  readonly kind = 'ngrok' as const;
  status: TunnelStatus = { state: 'closed' };
  async open(): Promise<string> {
    this.status = { state: 'online', publicUrl: EXAMPLE_PUBLIC_URL };
    this.emit('status', this.status);
    return EXAMPLE_PUBLIC_URL;
  }
  async close(): Promise<void> {
    this.status = { state: 'closed' };
  }
}

async function draw(page: Page): Promise<Buffer> {
  await page.getByTestId('value-mirrorUrl').filter({ hasText: EXAMPLE_PUBLIC_URL }).waitFor();
  await page.evaluate(() => document.fonts.ready);
  return page.screenshot({ fullPage: false, animations: 'disabled', caret: 'hide' });
}

test('the README screenshot: the window online, drawn the same way twice (npm run screenshots writes it to docs/screenshots)', {
  skip: browserSkip,
  timeout: 60_000,
}, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-readme-shots-'));
  const settingsPath = join(dir, 'settings.json');
  await writeFile(settingsPath, JSON.stringify({ version: 1, apiKey: EXAMPLE_API_KEY }));
  const runtime = await startRuntime({
    store: new FileSettingsStore(settingsPath),
    overrides: { mirrorPort: SCREENSHOT_PORT },
    uiRoot: UI_ROOT,
    tunnelFactory: () => new FixedUrlTunnel(),
    env: { NGROK_AUTHTOKEN: STAND_IN_AUTHTOKEN },
  });
  if (runtime.session.state.mirror.portBusy) {
    t.skip(`port ${SCREENSHOT_PORT} is taken here, and the picture shows the mirror's port: not redrawn`);
    await runtime.stop();
    return;
  }
  const browser = await launchBrowser();
  try {
    await waitForState(runtime.session, (s) => s.phase === 'online');
    const app = { uiUrl: runtime.control.uiUrl, controlOrigin: `http://127.0.0.1:${runtime.control.port}` };
    await mkdir(OUT, { recursive: true });
    for (const shot of [
      { name: 'window-online', width: 420, height: 900, colorScheme: 'light' as const },
      { name: 'window-online-wide', width: 900, height: 760, colorScheme: 'light' as const },
    ]) {
      const pictures: Buffer[] = [];
      for (let load = 0; load < 2; load++) {
        const { context, page, problems } = await openPage(browser, app, shot);
        pictures.push(await draw(page));
        assert.deepEqual(problems, []);
        await context.close();
      }
      assert.ok(pictures[0]!.equals(pictures[1]!), `${shot.name}: two page loads drew different pictures`);
      await writeFile(join(OUT, `${shot.name}.png`), pictures[0]!);
    }
  } finally {
    await browser.close();
    await runtime.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
