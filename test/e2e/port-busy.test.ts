// The first five minutes on a laptop where the mirror's port is taken (the tutorial's Python sample
// listens on 7007): the README's start command still prints the window's address, the window opens
// and names the program that holds the port, and "Use a free port" brings the mirror up. Real parts
// throughout: `npm start` in a child process, a python3 listener on the port, Chromium on the page.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { SessionState } from '../../server/contract/contract';
import { npmStart, WINDOW_LINE } from '../fixtures/npm-start';
import { holdPort } from '../fixtures/port-holder';
import { browserSkip, launchBrowser, openPage, screenshot } from './harness';

const WIDTHS = [360, 420, 900] as const;

async function shootAll(browser: Browser, uiUrl: string, origin: string, name: string): Promise<void> {
  for (const width of WIDTHS) {
    for (const colorScheme of ['light', 'dark'] as const) {
      const opened = await openPage(browser, { uiUrl, controlOrigin: origin }, { width, colorScheme });
      await opened.page.getByTestId('status-headline').waitFor();
      await screenshot(opened.page, `${name}-${width}-${colorScheme}`, true);
      await opened.context.close();
    }
  }
}

test('npm start with the mirror port held by python3: the window address is printed, the page opens, and "Use a free port" brings the mirror up', {
  skip: browserSkip,
  timeout: 120_000,
}, async (t) => {
  // The real default first; other worktrees' tests may hold 7007, and then a port of our own
  // stands for it (the promise is "the configured port is taken", whichever port that is).
  let held = await holdPort(7007);
  let args: string[] = [];
  if (!held) {
    t.diagnostic('7007 is held by a process that is not this test: holding a free port and passing --port');
    held = await holdPort(0);
    assert.ok(held, 'python3 could not hold any port');
    args = ['--port', String(held.port)];
  }
  const app = await npmStart(args);
  const browser = await launchBrowser();
  try {
    const [, uiUrl] = (await app.waitFor(WINDOW_LINE)) as unknown as [string, string];
    const printed = app.output();
    assert.match(
      printed,
      new RegExp(`Port ${held.port} is already in use by python3 \\(pid \\d+\\)\\. Use a free port`),
    );
    assert.match(printed, /press "Use a free port"/);
    const origin = new URL(uiUrl).origin;

    const { page, context, problems } = await openPage(browser, { uiUrl, controlOrigin: origin });
    await page.getByTestId('port-busy-title').waitFor();
    assert.equal(await page.getByTestId('port-busy-title').textContent(), `Port ${held.port} is taken`);
    assert.match(
      (await page.getByTestId('port-busy-holder').textContent()) ?? '',
      /^python3 \(pid \d+\) is listening on it, running:$/,
    );
    assert.match((await page.getByTestId('port-busy-command').textContent()) ?? '', /python3/);
    await shootAll(browser, uiUrl, origin, 'port-busy');

    await page.getByRole('button', { name: 'Use a free port' }).click();
    await page.getByTestId('port-busy-title').waitFor({ state: 'hidden' });
    const shown = (await page.getByTestId('value-mirrorUrl').textContent()) ?? '';
    const mirrorUrl = new URL(shown);
    assert.notEqual(Number(mirrorUrl.port), held.port, 'the mirror is on another port');

    // The mirror answers there, with the key the window shows.
    const reply = await fetch(new URL('api/connection', mirrorUrl), { method: 'POST', body: '{}' });
    assert.equal(reply.status, 200);
    const token = new URL(uiUrl).searchParams.get('token') ?? '';
    const state = (await (
      await fetch(`${origin}/control/state`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as SessionState;
    assert.equal(reply.headers.get('x-mirror-api-key'), state.connection.apiKey);
    assert.equal(state.mirror.portBusy, null);

    // Kept for the next start, so the pasted Mirror URL stays valid. The port is saved once the
    // mirror is up on it, a moment after the window shows it: read until saved (up to 5 s).
    const settingsFile = join(app.configDir, 'stackstate-mirror-tray', 'headless-settings.json');
    const savedPort = async () =>
      (JSON.parse(await readFile(settingsFile, 'utf8')) as { mirrorPort: number }).mirrorPort;
    const savedBy = Date.now() + 5000;
    while ((await savedPort()) !== Number(mirrorUrl.port) && Date.now() < savedBy) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(await savedPort(), Number(mirrorUrl.port), 'the free port is saved for the next start');
    await shootAll(browser, uiUrl, origin, 'port-busy-free-port-used');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await browser.close();
    await app.stop();
    held.release();
  }
});
