// Every message the window shows is true, in a real Chromium over the real app: an authtoken from
// NGROK_AUTHTOKEN, `--tunnel none`, a mirror port that another program holds, a tunnel that cannot
// reach ngrok (and is tried again), and the app killed (SIGKILL) while its page is open. Each state is
// drawn at 360×600, 420×720 and 900×700, in light and dark, into test-results/screenshots/truth-*.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../server/runtime';
import { FileSettingsStore } from '../../server/settings/file-store';
import { LocalForwarderTunnel } from '../../server/tunnel/local-forwarder';
import { createDefaultTunnel } from '../../server/tunnel/plan';
import { TunnelError, type TunnelEvents, type TunnelStatus } from '../../server/tunnel/tunnel';
import {
  browserSkip,
  launchBrowser,
  openPage,
  postMirror,
  STAND_IN_AUTHTOKEN,
  screenshot,
  TEST_CONNECTION_BODY,
  text,
  UI_ROOT,
  waitForState,
} from './harness';

const SIZES = [
  [360, 600],
  [420, 720],
  [900, 700],
] as const;
const SCHEMES = ['light', 'dark'] as const;

/**
 * Draws the page as it is at every size and in both schemes, checking at each that nothing scrolls
 * sideways, and puts it back at 420×720 light. `prepare` runs after each resize (to scroll, say).
 */
async function drawEverywhere(page: Page, name: string, prepare?: () => Promise<void>): Promise<void> {
  for (const [width, height] of SIZES) {
    for (const colorScheme of SCHEMES) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      await prepare?.();
      const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      // On failure, name the element that sticks out furthest, so the message says what to fix.
      const culprit =
        sideways === 0
          ? ''
          : await page.evaluate(
              `(() => { let worst = null, right = 0;
                for (const el of document.querySelectorAll('body *')) {
                  const r = el.getBoundingClientRect().right;
                  if (r > right) { right = r; worst = el; }
                }
                return worst ? worst.tagName + '.' + worst.className + ' "' + (worst.textContent || '').slice(0, 40) + '" right ' + right : '';
              })()`,
            );
      assert.equal(
        sideways,
        0,
        `${name} at ${width} px (${colorScheme}) scrolls sideways by ${sideways} px: ${culprit}`,
      );
      await screenshot(page, `truth-${name}-${width}-${colorScheme}`);
    }
  }
  await page.setViewportSize({ width: 420, height: 720 });
  await page.emulateMedia({ colorScheme: 'light' });
}

interface AppUnderTest {
  runtime: Runtime;
  uiUrl: string;
  controlOrigin: string;
  stop(): Promise<void>;
}

async function startTruthApp(options: Partial<RuntimeOptions>): Promise<AppUnderTest> {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-truth-ui-'));
  const runtime = await startRuntime({
    store: new FileSettingsStore(join(dir, 'settings.json')),
    uiRoot: UI_ROOT,
    env: {},
    ...options,
    overrides: { mirrorPort: 0, ...options.overrides },
  });
  return {
    runtime,
    uiUrl: runtime.control.uiUrl,
    controlOrigin: `http://127.0.0.1:${runtime.control.port}`,
    async stop() {
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** ngrok with no network: each open takes a moment, then fails with ERR_TUNNEL_NETWORK (retryable). */
class OfflineTunnel extends EventEmitter<TunnelEvents> {
  readonly kind = 'ngrok' as const;
  status: TunnelStatus = { state: 'closed' };
  async open(): Promise<string> {
    await new Promise((resolve) => setTimeout(resolve, 400));
    throw new TunnelError(
      'ERR_TUNNEL_NETWORK',
      'Cannot reach ngrok: check the internet connection, or a firewall or proxy that may block it.',
      { retryable: true },
    );
  }
  async close(): Promise<void> {}
}

/** Another program holding a port on every interface. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: '0.0.0.0', port: 0 }, resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('every message true', { skip: browserSkip }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
  });

  it('an authtoken from NGROK_AUTHTOKEN is said to be from there, and never offered to be forgotten', async () => {
    const app = await startTruthApp({
      env: { NGROK_AUTHTOKEN: STAND_IN_AUTHTOKEN },
      tunnelFactory: () => new LocalForwarderTunnel(),
    });
    const { page, context, problems } = await openPage(browser, app);
    try {
      await waitForState(app.runtime.session, (s) => s.phase === 'online');
      await page.getByTestId('tab-settings').click();
      const status = page.getByTestId('authtoken-status');
      await status.filter({ hasText: 'NGROK_AUTHTOKEN' }).waitFor();
      assert.match(
        await text(status),
        /^From the environment variable NGROK_AUTHTOKEN: …abcd\. Not saved here/,
      );
      assert.doesNotMatch(await text(status), /Saved/);
      assert.equal(await page.getByTestId('forget-authtoken').isVisible(), false, 'nothing saved to forget');
      await drawEverywhere(page, 'env-token', () =>
        page.getByTestId('authtoken-status').evaluate((el) => el.scrollIntoView({ block: 'center' })),
      );

      // Stop & clean up cannot forget it either, and says where it lives.
      await page.getByTestId('stop-cleanup').click();
      const forget = page.getByTestId('forget-token');
      assert.ok(await forget.isDisabled());
      const label = await text(page.getByTestId('cleanup-dialog'));
      assert.match(label, /none saved \(…abcd comes from NGROK_AUTHTOKEN; unset it there\)/);
      assert.match(label, /Close the ngrok tunnel: http:\/\/127\.0\.0\.1:\d+\/ stops working\./);
      await screenshot(page, 'truth-env-token-cleanup-dialog');
      await page.getByTestId('confirm-cleanup').click();
      await page.getByTestId('stopped-title').filter({ hasText: 'Clean-up report' }).waitFor();
      // After clean-up: one Start button (in the header, on every tab), and the report's steps are true.
      assert.equal(await page.getByRole('button', { name: 'Start', exact: true }).count(), 1);
      const report = await text(page.getByTestId('cleanup-steps'));
      assert.match(report, /Tunnel closed/);
      assert.doesNotMatch(report, /authtoken forgotten/, 'nothing was asked to be forgotten');
      await drawEverywhere(page, 'cleaned-up');
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await app.stop();
    }
  });

  it('the API key: Regenerate asks first, a typed key must follow the rule, and the tutorial’s api_key works', async () => {
    const app = await startTruthApp({});
    const { page, context } = await openPage(browser, app);
    const session = app.runtime.session;
    try {
      await page.getByTestId('tab-settings').click();
      const before = session.state.connection.apiKey;
      await page.getByTestId('regenerate-key').click();
      const dialog = page.getByTestId('regenerate-dialog');
      await dialog.waitFor();
      assert.match(await text(dialog), /StackState still expects the old one, so it rejects every answer/);
      assert.match(await text(dialog), /Settings → Telemetry Sources → Mirror sources/);
      await drawEverywhere(page, 'regenerate-confirm');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      assert.equal(session.state.connection.apiKey, before, 'Cancel keeps the key');
      await page.getByTestId('regenerate-key').click();
      await page.getByTestId('confirm-regenerate').click();
      await waitForState(session, (s) => s.connection.apiKey !== before);

      const own = page.getByTestId('own-key');
      await own.fill('two words');
      await page.getByTestId('use-own-key').click();
      await page
        .locator('.inline-message.tone-error')
        .filter({
          hasText:
            'The Api Key must have no spaces; it must be 1 to 200 ASCII letters, digits or punctuation, no spaces.',
        })
        .waitFor();
      await own.fill('api_key');
      await page.getByTestId('use-own-key').click();
      await waitForState(session, (s) => s.connection.apiKey === 'api_key');
      await page
        .getByTestId('settings-api-key')
        .filter({ hasText: /^api_key$/ })
        .waitFor();
      const answer = await fetch(new URL('api/connection', session.state.mirror.localUrl!), {
        method: 'POST',
        body: TEST_CONNECTION_BODY,
      });
      assert.equal(answer.headers.get('x-mirror-api-key'), 'api_key', 'the mirror answers with it at once');
      await drawEverywhere(page, 'own-key', () =>
        page.getByTestId('own-key').evaluate((el) => el.scrollIntoView({ block: 'center' })),
      );
    } finally {
      await context.close();
      await app.stop();
    }
  });

  it('--tunnel none: Settings shows none (from the command line), Setup says Ready once, the self-test says what it called', async () => {
    const app = await startTruthApp({
      overrides: { tunnel: 'none' },
      tunnelFactory: createDefaultTunnel,
    });
    const { page, context, problems } = await openPage(browser, app);
    const session = app.runtime.session;
    try {
      await waitForState(session, (s) => s.phase === 'online');
      await page
        .getByTestId('status-headline')
        .filter({ hasText: /^Ready$/ })
        .waitFor();
      const body = await page.locator('#panel-setup').innerText();
      assert.equal(body.match(/Ready/g)?.length ?? 0, 1, `"Ready" once on the Setup tab: ${body}`);
      const reached = page.locator('[data-step="tunnel"]');
      assert.match(await text(reached), /Reached from StackState in Docker/);
      assert.notEqual(await reached.getAttribute('data-status'), 'done', 'nothing has arrived yet');

      await page.getByTestId('self-test').click();
      const result = page.locator('.connection .inline-message');
      await result.filter({ hasText: 'Not a test of the Mirror URL' }).waitFor();
      const said = await text(result);
      assert.match(
        said,
        /^! Not a test of the Mirror URL: host\.docker\.internal is a name only StackState's containers know, so this machine called http:\/\/127\.0\.0\.1:\d+\/ \(the same port\) instead\./,
      );
      assert.match(said, /proves the mirror works, not that StackState can reach it/);
      assert.doesNotMatch(said, /✓/);
      await drawEverywhere(page, 'no-tunnel-setup');

      // The clean-up dialog names no tunnel to close.
      await page.getByTestId('stop-cleanup').click();
      const dialog = await text(page.getByTestId('cleanup-dialog'));
      assert.doesNotMatch(dialog, /Close the tunnel|ngrok tunnel/);
      assert.match(
        dialog,
        /Stop the mirror on port \d+ \(http:\/\/host\.docker\.internal:\d+\/ stops working\)/,
      );
      await page.getByTestId('cleanup-dialog').getByRole('button', { name: 'Cancel' }).click();

      await page.getByTestId('tab-settings').click();
      assert.ok(await page.getByTestId('tunnel-none').isChecked(), 'the tunnel this run uses');
      assert.match(
        await text(page.getByTestId('settings-sources')),
        /^From the command line, for this run only: Mirror port \(--port 0: any free port\), Tunnel \(--tunnel none\)\./,
      );
      await drawEverywhere(page, 'no-tunnel-settings');

      // Focus never lands under the sticky header and tabs; each tab opens at its top.
      await page.setViewportSize({ width: 360, height: 600 });
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.getByTestId('settings-port').focus();
      const [fieldTop, barBottom] = await page.evaluate(() => [
        document.querySelector('[data-testid="settings-port"]')!.getBoundingClientRect().top,
        document.querySelector('.tabs')!.getBoundingClientRect().bottom,
      ]);
      assert.ok(
        fieldTop >= barBottom,
        `the focused field (top ${fieldTop}) is below the tabs (${barBottom})`,
      );
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.getByTestId('tab-setup').click();
      assert.equal(await page.evaluate(() => window.scrollY), 0, 'Setup opens at its top');
      await page.setViewportSize({ width: 420, height: 720 });

      // With requests in the log (the self-test's, and this one) the tab reads "Requests (2 since start)", not "Requests2".
      await postMirror(session.state.mirror.localUrl!, 'api/connection', TEST_CONNECTION_BODY);
      await page
        .getByTestId('tab-requests')
        .locator('.count')
        .filter({ hasText: /^[1-9]/ })
        .waitFor();
      const snapshot = await page.getByTestId('tab-requests').ariaSnapshot();
      assert.match(snapshot, /tab "Requests \(\d+ since start\)"/, `the tab's accessible name: ${snapshot}`);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await app.stop();
    }
  });

  it('a port in use: Save says the mirror is down and why, and Setup says the mirror (not the tunnel) is down', async () => {
    const held = await holdPort();
    const app = await startTruthApp({ overrides: { tunnel: 'none' }, tunnelFactory: createDefaultTunnel });
    const { page, context } = await openPage(browser, app);
    try {
      await waitForState(app.runtime.session, (s) => s.phase === 'online');
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('settings-port').fill(String(held.port));
      await page.getByRole('button', { name: 'Save settings' }).click();
      const message = page.getByTestId('settings-form').locator(':scope > .inline-message');
      await message.filter({ hasText: 'mirror is down' }).waitFor();
      const said = await text(message);
      assert.match(
        said,
        new RegExp(
          `^Saved, but the mirror is down now\\. The mirror is not running: Port ${held.port} is already in use`,
        ),
      );
      assert.doesNotMatch(said, /restarted/);
      assert.equal(await message.getAttribute('role'), 'alert');
      await drawEverywhere(page, 'port-in-use-settings', () =>
        message.evaluate((el) => el.scrollIntoView({ block: 'center' })),
      );
      await page.getByTestId('tab-setup').click();
      assert.equal(await text(page.getByTestId('status-headline')), 'Mirror down');
      assert.equal(await text(page.getByTestId('value-mirrorUrl')), 'none: the mirror is down (see above)');
      assert.doesNotMatch(await text(page.locator('main')), /waiting for the tunnel/);
      await drawEverywhere(page, 'port-in-use-setup');
      // Back to a free port: Save says where the mirror runs now.
      await page.getByTestId('tab-settings').click();
      await page.getByTestId('settings-port').fill('0');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await message.filter({ hasText: /^Saved\. The mirror restarted on port \d+\.$/ }).waitFor();
    } finally {
      await context.close();
      await app.stop();
      held.server.close();
    }
  });

  it('a tunnel that cannot reach ngrok: the local URL stays usable, the retry counts down, Try again keeps the port', async () => {
    const app = await startTruthApp({
      env: { NGROK_AUTHTOKEN: STAND_IN_AUTHTOKEN },
      tunnelFactory: () => new OfflineTunnel(),
      tunnelRetry: { initialDelayMillis: 3000, maxDelayMillis: 3000 },
    });
    const { page, context, problems } = await openPage(browser, app);
    const session = app.runtime.session;
    try {
      const failed = await waitForState(
        session,
        (s) => s.phase === 'tunnel-error' && s.tunnel.retryAt !== null,
      );
      const hint = page.getByTestId('status-hint');
      await hint.filter({ hasText: /^Next try in \d s\.$/ }).waitFor();
      assert.equal(await page.locator('[data-action="authtoken"]').count(), 0, 'no network is not the token');

      // Watch the screen through two automatic retries (about 7 s): the URL never blanks, Copy never
      // goes off, the cards do not move, and the countdown ticks.
      // (A string, so the test's compiler adds no helpers the page does not have.)
      const watched = (await page.evaluate(`new Promise((resolve) => {
        const texts = new Set(), hints = new Set(), tops = new Set();
        let disabled = 0;
        const started = performance.now();
        const sample = () => {
          texts.add(document.querySelector('[data-testid="value-mirrorUrl"]').textContent);
          hints.add(document.querySelector('[data-testid="status-hint"]').textContent);
          tops.add(Math.round(document.querySelector('.connection').getBoundingClientRect().top));
          if (document.querySelector('[data-testid="copy-mirrorUrl"]').disabled) disabled++;
          if (performance.now() - started < 7000) requestAnimationFrame(sample);
          else resolve({ texts: [...texts], disabled, tops: [...tops], hints: [...hints] });
        };
        sample();
      })`)) as { texts: string[]; disabled: number; tops: number[]; hints: string[] };
      assert.deepEqual(watched.texts, [failed.mirror.localUrl], 'the local URL stays on screen');
      assert.equal(watched.disabled, 0, 'Copy stays usable');
      assert.ok(Math.max(...watched.tops) - Math.min(...watched.tops) <= 2, `no jump: ${watched.tops}`);
      assert.ok(
        watched.hints.includes('Next try in 2 s.') && watched.hints.includes('Next try in 1 s.'),
        `a live countdown: ${watched.hints}`,
      );
      await drawEverywhere(page, 'tunnel-retry');

      // The copied URL is the one on screen, and the toast does not cover the button just used.
      await page.getByTestId('copy-mirrorUrl').click();
      await page.locator('.toast.visible').waitFor();
      const [toast, button] = await Promise.all([
        page.locator('.toast').boundingBox(),
        page.getByTestId('copy-mirrorUrl').boundingBox(),
      ]);
      const apart =
        toast!.y >= button!.y + button!.height ||
        button!.y >= toast!.y + toast!.height ||
        toast!.x >= button!.x + button!.width ||
        button!.x >= toast!.x + toast!.width;
      assert.ok(apart, `the toast ${JSON.stringify(toast)} covers Copy ${JSON.stringify(button)}`);

      const port = session.state.mirror.port;
      for (let i = 0; i < 2; i++) {
        await page.locator('[data-action="restart"]').click();
        await page.locator('[data-action="restart"]').filter({ hasText: 'Try again' }).waitFor();
        assert.equal(session.state.mirror.port, port, `Try again ${i + 1} keeps port ${port}`);
      }
      assert.equal(await text(page.getByTestId('value-mirrorUrl')), failed.mirror.localUrl);
      assert.deepEqual(problems, []);
    } finally {
      await context.close();
      await app.stop();
    }
  });

  it('the app killed while its page is open: the page says so within seconds and switches its actions off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mirror-truth-kill-'));
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'server/cli/headless.ts',
        '--settings',
        join(dir, 'settings.json'),
        '--tunnel',
        'none',
        '--port',
        '0',
      ],
      { env: { ...process.env, NGROK_AUTHTOKEN: '' } },
    );
    try {
      const uiUrl = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error('the headless app printed no window address')),
          30_000,
        );
        createInterface({ input: child.stdout }).on('line', (line) => {
          const found = /Window \(UI and request inspector\): (\S+)/.exec(line);
          if (found) {
            clearTimeout(timer);
            resolve(found[1]!);
          }
        });
      });
      const controlOrigin = new URL(uiUrl).origin;
      const { page, context } = await openPage(browser, { uiUrl, controlOrigin });
      try {
        await page
          .getByTestId('status-headline')
          .filter({ hasText: /^Ready$/ })
          .waitFor();
        const killedAt = Date.now();
        child.kill('SIGKILL');
        const banner = page.getByTestId('link-banner');
        await banner.filter({ hasText: 'The app is not running' }).waitFor({ timeout: 5000 });
        const seconds = (Date.now() - killedAt) / 1000;
        assert.ok(seconds < 5, `said within ${seconds} s`);
        assert.match(await text(banner), /open its window from the tray icon/);
        assert.equal(await text(page.getByTestId('status-pill')), 'App stopped');
        // The card no longer says "Ready" over a URL that does not answer.
        assert.equal(await text(page.getByTestId('status-headline')), 'App not running');
        assert.match(await text(page.getByTestId('status-message')), /last state it reported was "Ready"/);
        for (const id of ['copy-mirrorUrl', 'copy-all', 'self-test', 'stop-cleanup']) {
          assert.ok(await page.getByTestId(id).isDisabled(), `${id} is off`);
        }
        await page.getByTestId('tab-settings').click();
        assert.ok(await page.getByRole('button', { name: 'Save settings' }).isDisabled());
        await page.getByTestId('tab-setup').click();
        console.log(`# the page said the app had gone ${seconds.toFixed(2)} s after SIGKILL`);
        await drawEverywhere(page, 'app-killed');
      } finally {
        await context.close();
      }
    } finally {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    }
  });
});
