// What the operating system does to the desktop app, as Electron 41 delivers it (the rules are in
// StandInElectron, each citing its Electron source): a Linux shutdown (logind waits 5 s at most),
// a Windows log-off (asked first, and maybe cancelled; then ended with no way to wait), a start
// with --no-sandbox (the AppImage's AppRun adds it), and a desktop with no tray host.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { App, buildApp, childrenRunning, silentServer, TOKEN } from './built-app';
import { privateSessionBus } from './session-bus';

const NGROK_CHILD = 'ngrok-child';

/** The app with an ngrok tunnel whose child connects to a silent local server (never ngrok). */
async function appWithTunnelChild(work: string, userData: string, env: Record<string, string> = {}) {
  const silent = await silentServer();
  const app = App.start(work, ['--port', '0', '--user-data-dir', userData, '--hidden'], {
    NGROK_AUTHTOKEN: TOKEN,
    MIRROR_TRAY_E2E_NGROK_SERVER_ADDR: silent.address,
    ...env,
  });
  await app.waitFor('the app to start', (x) => x.hooks !== null && x.tray !== null);
  const deadline = Date.now() + 15_000;
  for (;;) {
    const [childPid] = childrenRunning(app.child.pid!, NGROK_CHILD);
    if (childPid !== undefined) return { app, silent, childPid };
    if (Date.now() > deadline) assert.fail(`no ngrok child started; output:\n${app.output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the OS ends, asks, starts the app (StandInElectron)', () => {
  const { work, userData } = buildApp('os-events');

  test("a Linux shutdown is heard, held, and the app is gone within 4.5 s (logind's limit is 5 s)", async (t) => {
    const { app, silent, childPid } = await appWithTunnelChild(work, userData('shutdown'));
    try {
      const s = await app.snapshot();
      const started = performance.now();
      const shutdown = await app.command<{ heard: boolean; prevented: boolean }>('system-shutdown');
      assert.equal(
        shutdown.heard,
        true,
        "Electron never listens for logind's shutdown: 'shutdown' was the first powerMonitor listener",
      );
      assert.equal(shutdown.prevented, true, 'the shutdown is held until the tunnel and mirror are closed');
      const { code, reported } = await app.exited;
      const took = performance.now() - started;
      t.diagnostic(`from the shutdown to the exit: ${Math.round(took)} ms`);
      assert.deepEqual(
        [code, reported],
        [0, 0],
        `left through app.exit(0), not ended by logind; output:\n${app.output}`,
      );
      assert.ok(took <= 4500, `the app took ${Math.round(took)} ms to leave; logind waits 5 s at most`);
      assert.deepEqual(childrenRunning(app.child.pid!, NGROK_CHILD), [], 'the tunnel child is gone');
      assert.match(
        readFileSync(s.hooks!.logPath, 'utf8'),
        /Quit: tunnel, mirror and control API are stopped\./,
      );
      assert.throws(() => process.kill(childPid, 0), 'the tunnel child is gone');
    } finally {
      silent.close();
    }
  });

  test('Windows asks whether the session may end: the app does not hold it, and does not quit', async () => {
    const app = App.start(work, [
      '--tunnel',
      'none',
      '--port',
      '0',
      '--user-data-dir',
      userData('query'),
      '--hidden',
    ]);
    const s = await app.waitFor('the app to start', (x) => x.hooks !== null && x.window !== null);
    const asked = await app.command<{ prevented: boolean }>('query-session-end');
    assert.equal(asked.prevented, false, 'held: Windows would tell the user this app prevents the log-off');
    // The user cancels the log-off: no 'session-end' comes. The app must still be there, serving.
    const ended = await Promise.race([app.exited, new Promise<null>((r) => setTimeout(() => r(null), 1500))]);
    assert.equal(
      ended,
      null,
      'the app quit on query-session-end, and a cancelled log-off leaves the user without it',
    );
    const state = await fetch(new URL('/control/state', s.hooks!.uiUrl), {
      headers: { authorization: `Bearer ${new URL(s.hooks!.uiUrl).searchParams.get('token')}` },
    });
    assert.equal(state.status, 200, 'the control API still answers');
    await app.command('quit').catch(() => undefined);
    assert.equal((await app.exited).code, 0);
  });

  test('Windows ends the session: before the handler returns, the tunnel child is killed, the log written, app.exit called', async () => {
    const { app, silent, childPid } = await appWithTunnelChild(work, userData('session-end'));
    try {
      const { hooks } = await app.snapshot();
      void app.command('session-end').catch(() => undefined);
      const { code } = await app.exited;
      assert.equal(
        code,
        null,
        'Windows ended the process (the stand-in SIGKILLs it once the handlers return)',
      );
      const line = /session ended: children before (\[.*?\]), still running (\[.*?\]); app\.exit (.*)/.exec(
        app.output,
      );
      assert.ok(line, `the stand-in's report is missing; output:\n${app.output}`);
      assert.ok((JSON.parse(line[1]!) as number[]).includes(childPid), 'the tunnel child ran before');
      assert.equal(line[2], '[]', 'the tunnel child was still running when the session ended');
      assert.equal(line[3], 'called with 0', 'app.exit was not called before the handler returned');
      assert.match(
        readFileSync(hooks!.logPath, 'utf8'),
        /Windows is ending the session: the tunnel child was killed, and the app exits now\./,
      );
    } finally {
      silent.close();
    }
  });

  test("--no-sandbox (the AppImage's AppRun adds it): no enableSandbox, logged each time, the user told once", async () => {
    const folder = userData('no-sandbox');
    const args = ['--tunnel', 'none', '--port', '0', '--user-data-dir', folder, '--hidden', '--no-sandbox'];
    const told = (s: { notifications: { title: string; body: string }[] }) =>
      s.notifications.filter((n) => n.title === 'Running without the sandbox');
    for (const run of [1, 2]) {
      const app = App.start(work, args);
      const s = await app.waitFor('the app to start', (x) => x.hooks !== null && x.tray !== null);
      assert.equal(
        s.sandbox,
        'unsandboxed',
        'app.enableSandbox() removed --no-sandbox after the zygote had started without the sandbox',
      );
      const log = readFileSync(s.hooks!.logPath, 'utf8');
      assert.equal(log.match(/WARN Running without the sandbox: .*--no-sandbox/g)?.length, run, log);
      if (run === 1) {
        assert.equal(told(s).length, 1, JSON.stringify(s.notifications));
        assert.match(told(s)[0]!.body, /Ubuntu 24\.04 and later: install the \.deb package instead/);
      } else {
        assert.deepEqual(told(s), [], 'told again on the second start');
      }
      await app.command('quit').catch(() => undefined);
      assert.equal((await app.exited).code, 0);
    }
  });

  test('no tray host on the session bus and a --hidden start: the window is shown, and why', async () => {
    const bus = await privateSessionBus();
    try {
      const app = App.start(
        work,
        ['--tunnel', 'none', '--port', '0', '--user-data-dir', userData('no-tray-host'), '--hidden'],
        { DBUS_SESSION_BUS_ADDRESS: bus.address },
      );
      const s = await app.waitFor('the window to show', (x) => x.window?.visible === true);
      assert.ok(
        s.notifications.some((n) => /No tray host was found/.test(n.body)),
        JSON.stringify(s.notifications),
      );
      await app.command('quit').catch(() => undefined);
      assert.equal((await app.exited).code, 0);
    } finally {
      bus.stop();
    }
  });
});
