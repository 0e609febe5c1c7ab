// The window's end-to-end harness: the real app (session, mirror, control API) in this process,
// the built UI (dist/renderer) in a real headless Chromium driven by playwright-core. No mocked API.
//
// ngrok's servers are out of reach here, so "through the tunnel" tests use LocalForwarderTunnel:
// a real TCP forwarder on 127.0.0.1 that plays the public URL. Requests through it arrive on the
// mirror's tunnel-only port, exactly as ngrok's would, so the session classes them as "tunnel".

import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { type Runtime, startRuntime } from '../../server/runtime';
import type { MirrorSession } from '../../server/session';
import type { SettingsOverrides } from '../../server/session/run-settings';
import { waitForState } from '../fixtures/wait-for-state';

export { waitForState };

import { FileSettingsStore } from '../../server/settings/file-store';
import type { Settings } from '../../server/settings/settings';
import { LocalForwarderTunnel } from '../../server/tunnel/local-forwarder';
import { describeNgrokError, toTunnelError } from '../../server/tunnel/ngrok-errors';
import { createDefaultTunnel, type TunnelFactory } from '../../server/tunnel/plan';
import type { Tunnel, TunnelEvents, TunnelStatus } from '../../server/tunnel/tunnel';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const REPO = fileURLToPath(new URL('../..', import.meta.url));
export const UI_ROOT = join(REPO, 'dist', 'renderer');
export const SCREENSHOTS = join(REPO, 'test-results', 'screenshots');

/** Why the browser suites cannot run here, or false when they can. Suites pass it as `skip`, which prints it. */
export const browserSkip: string | false = existsSync(CHROMIUM_PATH)
  ? false
  : `no Chromium at ${CHROMIUM_PATH} (install the "chromium" package to run the window's end-to-end tests)`;

/** A stand-in authtoken: the session only opens a tunnel when it has one; LocalForwarderTunnel ignores it. */
export const STAND_IN_AUTHTOKEN = 'stand-in-token-0000-abcd';
/** An authtoken the stand-in "ngrok" refuses, as ngrok refuses a revoked one (ERR_NGROK_107). */
export const REFUSED_AUTHTOKEN = 'refused-token-0000-nope';

/** ngrok refusing the authtoken: open() fails with the real ERR_NGROK_107 description. */
class RefusingTunnel extends EventEmitter<TunnelEvents> implements Tunnel {
  readonly kind = 'ngrok' as const;
  status: TunnelStatus = { state: 'closed' };

  async open(): Promise<string> {
    const error = toTunnelError(describeNgrokError('ERR_NGROK_107', 'authentication failed'));
    this.status = { state: 'error', code: error.code, message: error.message };
    this.emit('status', this.status);
    throw error;
  }

  async close(): Promise<void> {
    this.status = { state: 'closed' };
  }
}

/** Builds the UI once if `npm test` has not (it runs `node scripts/build.mjs --ui` first). */
export async function ensureUiBuilt(): Promise<void> {
  if (existsSync(join(UI_ROOT, 'index.html'))) return;
  const { build } = await import('vite');
  await build({ configFile: join(REPO, 'renderer', 'vite.config.ts'), logLevel: 'warn' });
}

export async function launchBrowser(): Promise<Browser> {
  await ensureUiBuilt();
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

export interface TestApp {
  runtime: Runtime;
  session: MirrorSession;
  /** The page's address with the token, as the app prints it. */
  uiUrl: string;
  /** http://127.0.0.1:<control port> */
  controlOrigin: string;
  token: string;
  /** The mirror's local URL (the current one: it changes when the mirror restarts). */
  mirrorUrl(): string;
  /** The tunnel's public URL (the stand-in forwarder's), once online. */
  publicUrl(): string;
  stop(): Promise<void>;
}

export interface TestAppOptions {
  /** Open a LocalForwarderTunnel as the "ngrok" tunnel (with a stand-in authtoken). Default: no token → local mode. */
  tunnel?: boolean;
  /** Saved settings to start from (written to the settings file before the start). */
  saved?: Partial<Settings>;
  /** Command-line values for this run (as --host, --tunnel give them), besides the free port. */
  overrides?: Omit<SettingsOverrides, 'mirrorPort'>;
}

/**
 * Starts the app as the headless mode does, on free ports, with its settings in a temporary file.
 * Without `tunnel`, the plan is "ngrok" with no authtoken, so the session stays local until a token
 * is saved; saving one then opens a LocalForwarderTunnel.
 */
export async function startApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-tray-ui-'));
  const settingsPath = join(dir, 'settings.json');
  if (options.saved) {
    await writeFile(settingsPath, JSON.stringify({ version: 1, ...options.saved }));
  }
  // "ngrok" is always a local stand-in (never the real ngrok): the forwarder, or a refusal for
  // REFUSED_AUTHTOKEN. "none" is the real NoTunnel.
  const tunnelFactory: TunnelFactory = (plan) =>
    plan.kind === 'none'
      ? createDefaultTunnel(plan)
      : plan.authtoken === REFUSED_AUTHTOKEN
        ? new RefusingTunnel()
        : new LocalForwarderTunnel();
  const runtime = await startRuntime({
    store: new FileSettingsStore(settingsPath),
    overrides: { ...options.overrides, mirrorPort: 0 },
    uiRoot: UI_ROOT,
    tunnelFactory,
    // Never the developer's own NGROK_AUTHTOKEN.
    env: options.tunnel ? { NGROK_AUTHTOKEN: STAND_IN_AUTHTOKEN } : {},
  });
  const { session, control } = runtime;
  if (options.tunnel) await waitForState(session, (s) => s.phase === 'online');
  return {
    runtime,
    session,
    uiUrl: control.uiUrl,
    controlOrigin: `http://127.0.0.1:${control.port}`,
    token: control.token,
    mirrorUrl: () => {
      const url = session.state.mirror.localUrl;
      if (!url) throw new Error(`the mirror is not running (${session.state.phase})`);
      return url;
    },
    publicUrl: () => {
      const url = session.state.tunnel.publicUrl;
      if (!url) throw new Error(`the tunnel is not online (${session.state.phase})`);
      return url;
    },
    async stop() {
      await runtime.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface OpenedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
}

/** A fresh context at the small default window size, with clipboard access for the app's origin. */
export async function openPage(
  browser: Browser,
  app: Pick<TestApp, 'uiUrl' | 'controlOrigin'>,
  options: {
    colorScheme?: 'light' | 'dark';
    url?: string;
    width?: number;
    height?: number;
    /** Run on the page before it loads (e.g. `page.clock.install()`). */
    beforeLoad?: (page: Page) => Promise<void>;
  } = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 420, height: options.height ?? 720 },
    colorScheme: options.colorScheme ?? 'light',
    deviceScaleFactor: 1,
  });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.controlOrigin });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    // A 400 is the control API refusing a value on purpose (the tests send some); the page shows it.
    if (message.type() === 'error' && !/status of 400/.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  await options.beforeLoad?.(page);
  await page.goto(options.url ?? app.uiUrl);
  return { context, page, problems };
}

/** A browser and the app, for a describe block: made before its tests, closed after. */
export function browserForSuite(appOptions: TestAppOptions = {}): {
  readonly browser: Browser;
  readonly app: TestApp;
} {
  let browser: Browser | undefined;
  let app: TestApp | undefined;
  before(async () => {
    browser = await launchBrowser();
    app = await startApp(appOptions);
  });
  after(async () => {
    await browser?.close();
    await app?.stop();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (!value) throw new Error(`${what} has not started (is the test inside the describe block?)`);
    return value;
  };
  return {
    get browser() {
      return started(browser, 'the browser');
    },
    get app() {
      return started(app, 'the app');
    },
  };
}

/** A browser, the app and one page on it, for a describe block: made before its tests, closed after. */
export function windowForSuite(appOptions: TestAppOptions = {}): {
  readonly app: TestApp;
  readonly page: Page;
} {
  const suite = browserForSuite(appOptions);
  let opened: OpenedPage | undefined;
  before(async () => {
    opened = await openPage(suite.browser, suite.app);
  });
  after(async () => {
    await opened?.context.close();
  });
  return {
    get app() {
      return suite.app;
    },
    get page() {
      if (!opened) throw new Error('the page has not opened (is the test inside the describe block?)');
      return opened.page;
    },
  };
}

/** The window sizes and colour schemes every state is looked at in. */
export const SIZES = [
  { width: 360, height: 600 },
  { width: 420, height: 720 },
  { width: 900, height: 700 },
] as const;
export const SCHEMES = ['light', 'dark'] as const;

/**
 * Opens a page at each size and scheme, runs `look` on it, screenshots it as `<name>-<width>-<scheme>`,
 * and checks the page reported no problems (console errors, failed requests).
 */
export async function everyLook(
  browser: Browser,
  app: TestApp,
  name: string,
  look: (page: Page) => Promise<void>,
): Promise<void> {
  for (const colorScheme of SCHEMES) {
    for (const size of SIZES) {
      const { context, page, problems } = await openPage(browser, app, { ...size, colorScheme });
      try {
        await look(page);
        await screenshot(page, `${name}-${size.width}-${colorScheme}`);
        assert.deepEqual(problems, []);
      } finally {
        await context.close();
      }
    }
  }
}

export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  // From the top, so sticky elements sit where a user sees them; and with no toast over the content.
  if (fullPage) await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction(() => !document.querySelector('.toast.visible'), null, { timeout: 5000 });
  await page.screenshot({ path, fullPage, animations: 'disabled' });
  return path;
}

/** A request as StackState's stream wizard sends it: cpu.usage of host a-host, MEAN per minute, last 24 h by default. */
export function metricRequestBody(now = Date.now(), windowMillis = 24 * 3_600_000): string {
  return JSON.stringify({
    _type: 'MetricsRequest',
    connectionDetails: {},
    query: {
      _type: 'MetricsQuery',
      conditions: [
        { _type: 'EqualityCondition', key: 'host', value: { _type: 'StringValue', value: 'a-host' } },
      ],
      startTime: now - windowMillis,
      endTime: now,
      metricField: 'cpu.usage',
      limit: 10_000,
      aggregation: { _type: 'Aggregation', method: 'MEAN', bucketSizeMillis: 60_000 },
    },
  });
}

export const TEST_CONNECTION_BODY = JSON.stringify({ _type: 'TestConnectionRequest', connectionDetails: {} });

/** POSTs JSON to the mirror (at a base URL: local or the tunnel's public one). */
export async function postMirror(
  base: string,
  path: string,
  body: string,
): Promise<{ status: number; text: string }> {
  const response = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** An element's text ('' when it has none). */
export const text = async (locator: Locator): Promise<string> => (await locator.textContent()) ?? '';
