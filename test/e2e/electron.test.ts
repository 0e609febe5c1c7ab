// The desktop app in a real Electron, driven by Playwright's `_electron`: launch, the window shows
// the connection card, the tray menu's actions (through the pure menu and the real clipboard),
// Stop & clean up, and Quit leaving no process and no listening port. And the ngrok child as the
// packaged app runs it (Electron's binary as Node, ngrok-child.js next to main.js), pointed at a
// local server that never answers: never at ngrok.
//
// It needs the Electron binary (node_modules/electron/dist), which comes from GitHub releases:
// where that is missing it SKIPS and prints why. On Linux without a display it starts Xvfb.
// On a laptop: `node node_modules/electron/install.js` once, then
//   node --import tsx --test test/e2e/electron.test.ts
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication } from 'playwright-core';
import type { TrayAction, TrayView } from '../../electron/tray-menu';
import type { SessionState } from '../../server/contract/contract';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const WORK = join(ROOT, '.tmp', `e2e-electron-${process.pid}`);
const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

/** What electron/main.ts exposes on globalThis when MIRROR_TRAY_E2E=1. */
interface TestHooks {
  state(): SessionState;
  trayView(): TrayView;
  trayAction(action: TrayAction): Promise<void>;
  uiUrl: string;
  controlPort: number;
}
// Functions given to app.evaluate run in Electron's main process, serialised: they cannot use this
// module's variables, so each reads the hooks from globalThis itself.
type WithHooks = { mirrorTrayTest: TestHooks };

/** The Electron binary, or the true reason there is none (the suite then reports itself skipped with it). */
function electronBinary(): { path: string; skip: false } | { path: null; skip: string } {
  const dist = join(ROOT, 'node_modules', 'electron', 'dist');
  if (!existsSync(join(ROOT, 'node_modules', 'electron'))) {
    return {
      path: null,
      skip: 'the electron package is not installed (node_modules/electron missing): run `npm ci`',
    };
  }
  if (!existsSync(dist)) {
    return {
      path: null,
      skip:
        'the Electron binary is absent: node_modules/electron/dist is missing (the electron package is installed, ' +
        'its binary was never downloaded); run `node node_modules/electron/install.js` to fetch it',
    };
  }
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    if (typeof path === 'string' && existsSync(path)) return { path, skip: false };
    return {
      path: null,
      skip: `the Electron binary named by the electron package does not exist: ${String(path)}`,
    };
  } catch (error) {
    return {
      path: null,
      skip: `the electron package cannot say where its binary is: ${(error as Error).message}`,
    };
  }
}

const { path: binary, skip } = electronBinary();

function isFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host: '127.0.0.1' }, () => server.close(() => resolvePort(true)));
  });
}

/** Every process below `pid` (POSIX `ps`; Windows gives an empty list and relies on the port checks). */
function descendants(pid: number): number[] {
  if (process.platform === 'win32') return [];
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift()!;
    for (const [child, ppid] of rows) {
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** A process's command line (POSIX `ps`), or '' when it is gone. */
function commandLine(pid: number): string {
  const result = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
  return result.status === 0 ? result.stdout.trim() : '';
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Starts Xvfb on a free display when Linux has none; returns the display and the process. */
async function virtualDisplay(): Promise<{ display: string; xvfb: ChildProcess | null }> {
  if (process.platform !== 'linux' || process.env.DISPLAY)
    return { display: process.env.DISPLAY ?? '', xvfb: null };
  const xvfb = spawn('Xvfb', ['-displayfd', '1', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const number = await new Promise<string>((resolveDisplay, reject) => {
    xvfb.once('error', () => reject(new Error('Xvfb is not installed (apt-get install xvfb)')));
    xvfb.stdout?.once('data', (chunk: Buffer) => resolveDisplay(chunk.toString().trim()));
  });
  return { display: `:${number}`, xvfb };
}

// Skipped as a test, not only as a suite: Node's runner counts skipped tests, not skipped suites.
if (skip) test('electron app (end-to-end, in a real Electron)', { skip }, () => undefined);
else
  describe('electron app', { timeout: 180_000 }, () => {
    let display = '';
    let xvfb: ChildProcess | null = null;

    before(async () => {
      rmSync(WORK, { recursive: true, force: true });
      const built = spawnSync(
        process.execPath,
        ['scripts/build.mjs', '--electron', `--electron-out=${WORK}`],
        {
          cwd: ROOT,
          encoding: 'utf8',
        },
      );
      assert.equal(built.status, 0, built.stderr);
      if (!existsSync(join(ROOT, 'dist/renderer/index.html'))) {
        assert.equal(spawnSync(process.execPath, ['scripts/build.mjs', '--ui'], { cwd: ROOT }).status, 0);
      }
      cpSync(join(ROOT, 'dist/renderer'), join(WORK, 'renderer'), { recursive: true });
      ({ display, xvfb } = await virtualDisplay());
    });

    after(() => {
      xvfb?.kill();
      rmSync(WORK, { recursive: true, force: true });
    });

    test('launch, connection card, tray actions, Stop & clean up, Quit leaves no process or port', async () => {
      const userData = mkdtempSync(join(tmpdir(), 'mirror-electron-e2e-'));
      const app: ElectronApplication = await _electron.launch({
        executablePath: binary!,
        args: [
          join(WORK, 'electron', 'main.js'),
          // Chromium refuses its sandbox as root (CI containers); a person's laptop keeps it.
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
          '--tunnel',
          'none',
          '--port',
          '0',
          '--user-data-dir',
          userData,
        ],
        env: {
          ...(process.env as Record<string, string>),
          MIRROR_TRAY_E2E: '1',
          ...(display ? { DISPLAY: display } : {}),
        },
        timeout: 60_000,
      });
      const pid = app.process().pid!;
      const exited = new Promise<number | null>((resolveExit) =>
        app.process().once('exit', (code) => resolveExit(code)),
      );
      try {
        // The window shows the connection card, filled in from the session.
        const page = await app.firstWindow();
        await page.getByRole('heading', { name: 'Paste into StackState' }).waitFor({ timeout: 30_000 });
        await app.evaluate(async () => {
          for (let i = 0; i < 200 && !(globalThis as { mirrorTrayTest?: unknown }).mirrorTrayTest; i++) {
            await new Promise((r) => setTimeout(r, 50));
          }
        });
        const state = await app.evaluate(() => (globalThis as unknown as WithHooks).mirrorTrayTest.state());
        await page
          .getByText(state.connection.apiKey ?? 'no key')
          .first()
          .waitFor();
        await page.screenshot({ path: join(SCREENSHOTS, 'electron-window.png') });

        // The real window's hardening: a page without Node, and no new windows.
        assert.equal(
          await page.evaluate(() => typeof (globalThis as { require?: unknown }).require),
          'undefined',
        );
        assert.equal(
          await page.evaluate(() => typeof (globalThis as { process?: unknown }).process),
          'undefined',
        );
        assert.equal(await page.evaluate(() => window.open('file:///etc/hostname') === null), true);
        assert.equal(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length), 1);

        // The tray's menu, and its Copy actions through the real clipboard.
        const view = await app.evaluate(() => (globalThis as unknown as WithHooks).mirrorTrayTest.trayView());
        const labels = view.menu.flatMap((item) => ('label' in item ? [item.label] : []));
        for (const label of [
          'Show window',
          'Copy Mirror URL',
          'Copy API key',
          'Self-test',
          'Stop & clean up',
          'Quit',
        ]) {
          assert.ok(labels.includes(label), label);
        }
        const copies: [TrayAction, string][] = [
          ['copy-url', state.connection.mirrorUrl ?? ''],
          ['copy-api-key', state.connection.apiKey ?? ''],
          ['copy-connection-details', state.connection.connectionDetails],
        ];
        for (const [action, expected] of copies) {
          await app.evaluate(
            (_electron, which) => (globalThis as unknown as WithHooks).mirrorTrayTest.trayAction(which),
            action,
          );
          assert.equal(await app.evaluate(({ clipboard }) => clipboard.readText()), expected, action);
        }

        // Closing the window hides it; the app keeps serving.
        await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.close());
        assert.equal(
          await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.isVisible()),
          false,
        );
        const controlPort = await app.evaluate(
          () => (globalThis as unknown as WithHooks).mirrorTrayTest.controlPort,
        );
        assert.equal(await isFree(controlPort), false);

        // Stop & clean up from the tray.
        const mirrorPort = state.mirror.port!;
        await app.evaluate(() =>
          (globalThis as unknown as WithHooks).mirrorTrayTest.trayAction('stop-cleanup'),
        );
        assert.equal(
          (await app.evaluate(() => (globalThis as unknown as WithHooks).mirrorTrayTest.state())).phase,
          'stopped',
        );
        assert.equal(await isFree(mirrorPort), true);

        // Quit: tunnel, mirror, control API, then the app; no process, no port left.
        const children = descendants(pid);
        await app.evaluate(({ app: electronApp }) => electronApp.quit()).catch(() => undefined);
        const code = await Promise.race([
          exited,
          new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000)),
        ]);
        assert.equal(code, 0, 'the app exited within 15 s, with code 0');
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual(
          [pid, ...children].filter(alive),
          [],
          'no Electron process (main, renderer, GPU, utility) is left',
        );
        assert.equal(await isFree(controlPort), true);
      } finally {
        if (alive(pid)) process.kill(pid, 'SIGKILL');
        rmSync(userData, { recursive: true, force: true });
      }
    });

    test('the ngrok child starts from the packaged layout, times out against a silent server, and is gone after Quit', {
      skip: process.platform === 'win32' ? 'finds the child with ps (POSIX)' : false,
    }, async () => {
      // A server that accepts and never answers, where ngrok's ingress would be.
      const accepted: Socket[] = [];
      const silent = createServer((socket) => accepted.push(socket));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      const serverAddr = `127.0.0.1:${(silent.address() as { port: number }).port}`;
      const userData = mkdtempSync(join(tmpdir(), 'mirror-electron-e2e-'));
      const app: ElectronApplication = await _electron.launch({
        executablePath: binary!,
        args: [
          join(WORK, 'electron', 'main.js'),
          ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
          '--port',
          '0',
          '--hidden',
          '--user-data-dir',
          userData,
        ],
        env: {
          ...(process.env as Record<string, string>),
          MIRROR_TRAY_E2E: '1',
          MIRROR_TRAY_E2E_NGROK_SERVER_ADDR: serverAddr,
          NGROK_AUTHTOKEN: '2e2eFakeTokenABCDEFGHIJKLMNOPQRS_0123456789abcdefgh',
          ...(display ? { DISPLAY: display } : {}),
        },
        timeout: 60_000,
      });
      const pid = app.process().pid!;
      const exited = new Promise<number | null>((resolveExit) =>
        app.process().once('exit', (code) => resolveExit(code)),
      );
      const seenChildren = new Set<number>();
      try {
        // The child: Electron's own binary running the ngrok-child.js built next to main.js.
        const childScript = join(WORK, 'electron', 'ngrok-child.js');
        const deadline = Date.now() + 30_000;
        let child: number | undefined;
        while (child === undefined) {
          child = descendants(pid).find((p) => commandLine(p).includes(childScript));
          if (child === undefined && Date.now() > deadline) assert.fail(`no process runs ${childScript}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        seenChildren.add(child);
        assert.ok(commandLine(child).startsWith(binary!), `run by Electron's binary: ${commandLine(child)}`);

        // It reaches the silent server, and the connect time-out fires: the window says so.
        await app.evaluate(async () => {
          for (let i = 0; i < 200 && !(globalThis as { mirrorTrayTest?: unknown }).mirrorTrayTest; i++) {
            await new Promise((r) => setTimeout(r, 50));
          }
        });
        const errorDeadline = Date.now() + 45_000;
        let state = await app.evaluate(() => (globalThis as unknown as WithHooks).mirrorTrayTest.state());
        while (state.phase !== 'tunnel-error') {
          for (const p of descendants(pid)) if (commandLine(p).includes(childScript)) seenChildren.add(p);
          if (Date.now() > errorDeadline)
            assert.fail(`no tunnel error within 45 s: ${state.phase}, ${state.message}`);
          await new Promise((r) => setTimeout(r, 250));
          state = await app.evaluate(() => (globalThis as unknown as WithHooks).mirrorTrayTest.state());
        }
        assert.ok(accepted.length > 0, 'the child reached the silent server (not ngrok)');
        assert.match(state.message, /ngrok did not answer within \d+(\.\d)? s/);

        // Quit: every ngrok child seen is gone, with the app.
        for (const p of descendants(pid)) if (commandLine(p).includes(childScript)) seenChildren.add(p);
        await app.evaluate(({ app: electronApp }) => electronApp.quit()).catch(() => undefined);
        const code = await Promise.race([
          exited,
          new Promise<'hung'>((r) => setTimeout(() => r('hung'), 15_000)),
        ]);
        assert.equal(code, 0, 'the app exited within 15 s, with code 0');
        await new Promise((r) => setTimeout(r, 500));
        assert.deepEqual([...seenChildren].filter(alive), [], 'an ngrok child outlived the app');
      } finally {
        if (alive(pid)) process.kill(pid, 'SIGKILL');
        for (const p of seenChildren) if (alive(p)) process.kill(p, 'SIGKILL');
        for (const socket of accepted) socket.destroy();
        silent.close();
        rmSync(userData, { recursive: true, force: true });
      }
    });
  });
