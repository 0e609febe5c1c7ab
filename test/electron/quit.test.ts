import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createQuitSequence, QUIT_TIMEOUT_MILLIS, STOP_TIMEOUT_MILLIS } from '../../electron/quit';
import { NgrokTunnel } from '../../server/tunnel/ngrok';
import { startTestRuntime, waitForPhase } from '../fixtures/runtime';
import { isAlive } from '../tunnel/helpers';

/** The fake ngrok child (test/tunnel/fixtures): a real child process speaking the real IPC protocol. */
const FAKE_NGROK_CHILD = {
  modulePath: fileURLToPath(new URL('../tunnel/fixtures/fake-ngrok-child.mjs', import.meta.url)),
  execArgv: [],
};

/** True when a connection to 127.0.0.1:port is refused: nothing accepts there any more. */
function refuses(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

describe('quit sequence', () => {
  test('stops the tunnel (its child exits), then the mirror, then the control API, before the app exits', async (t) => {
    // Observed on real things: a real tunnel child process (the fake ngrok child speaks the real IPC
    // protocol and takes 300 ms to leave, as ngrok's goodbye does), the real mirror's two listeners
    // and the real control API. Each is polled; the order is when each was first seen gone.
    const counter = join(await mkdtemp(join(tmpdir(), 'mirror-quit-order-')), 'counter');
    await writeFile(counter, '0');
    t.after(() => rm(dirname(counter), { recursive: true, force: true }));
    const { runtime, tunnelTargets, tunnels } = await startTestRuntime(t, {
      makeTunnel: (plan) =>
        new NgrokTunnel({
          authtoken: plan.authtoken,
          childEntry: FAKE_NGROK_CHILD,
          env: { ...process.env, FAKE_NGROK_SCRIPT: 'online-slow-close', FAKE_NGROK_COUNTER: counter },
          connectTimeoutMillis: 5000,
          killGraceMillis: 200,
        }),
    });
    await waitForPhase(runtime.session, ['online']);
    const childPid = (tunnels[0] as NgrokTunnel).childPid;
    const mirrorPort = runtime.session.state.mirror.port;
    const tunnelPort = tunnelTargets[0];
    assert.ok(childPid !== null && mirrorPort !== null && tunnelPort !== undefined, 'everything is up');
    t.after(() => {
      if (isAlive(childPid)) process.kill(childPid, 'SIGKILL');
    });
    const watched = {
      'the tunnel child exited': () => Promise.resolve(!isAlive(childPid)),
      'the mirror main port stopped accepting': () => refuses(mirrorPort),
      'the mirror tunnel-only port stopped accepting': () => refuses(tunnelPort),
      'the control API port stopped accepting': () => refuses(runtime.control.port),
    };
    const gone = await Promise.all(Object.values(watched).map((check) => check()));
    assert.deepEqual(gone, [false, false, false, false], 'all four are up before Quit');

    const started = performance.now();
    const seenAt = new Map<string, number>();
    let exitedAt: number | null = null;
    const quit = createQuitSequence({
      stopRuntime: () => runtime.stop(4000),
      exitApp: () => {
        exitedAt = performance.now() - started;
      },
      timeoutMillis: 6000,
    });
    const quitting = quit.run();
    // Poll until all four are gone; bounded, so a hang fails with a message, not the runner's time-out.
    const deadline = started + 8000;
    while (seenAt.size < 4 && performance.now() < deadline) {
      // One synchronous tick starts every check: the runtime (in this process) cannot move between them.
      const results = await Promise.all(Object.values(watched).map((check) => check()));
      const now = performance.now() - started;
      Object.keys(watched).forEach((name, i) => {
        if (results[i] && !seenAt.has(name)) seenAt.set(name, now);
      });
      await pause(5);
    }
    await quitting;
    const timeline = [...seenAt].map(([name, at]) => `${name} at +${Math.round(at)} ms`).join(', ');
    for (const name of Object.keys(watched)) {
      assert.ok(
        seenAt.has(name),
        `broken promise: Quit leaves nothing behind, but ${name.replace(/ (exited|stopped accepting)$/, '')} was still there 8 s after Quit (${timeline})`,
      );
    }
    const at = (name: keyof typeof watched) => seenAt.get(name) ?? Number.POSITIVE_INFINITY;
    const order = [
      ['the tunnel child exited', 'the mirror main port stopped accepting'],
      ['the tunnel child exited', 'the mirror tunnel-only port stopped accepting'],
      ['the mirror main port stopped accepting', 'the control API port stopped accepting'],
      ['the tunnel child exited', 'the control API port stopped accepting'],
    ] as const;
    for (const [first, then] of order) {
      assert.ok(
        at(first) <= at(then),
        `broken promise: Quit closes the tunnel, then the mirror, then the control API; but ${then} before ${first} (${timeline})`,
      );
    }
    assert.ok(exitedAt !== null, 'the app exited');
    assert.deepEqual(
      await Promise.all(Object.values(watched).map((check) => check())),
      [true, true, true, true],
      'everything is gone once the app has exited',
    );
  });

  test('runs once when triggered twice (tray Quit, then Cmd-Q)', async () => {
    let stops = 0;
    const exits: number[] = [];
    const quit = createQuitSequence({
      stopRuntime: async () => {
        stops++;
        await pause(20);
      },
      exitApp: (code) => exits.push(code),
      timeoutMillis: 2000,
    });
    const first = quit.run();
    assert.equal(quit.started, true);
    const second = quit.run(3);
    await Promise.all([first, second]);
    await quit.run();
    assert.equal(stops, 1);
    assert.deepEqual(exits, [0]);
  });

  test('exits after the time-out if stopping hangs, and says so', async () => {
    const problems: string[] = [];
    const exits: number[] = [];
    const started = performance.now();
    const quit = createQuitSequence({
      stopRuntime: () => new Promise<void>(() => undefined),
      exitApp: (code) => exits.push(code),
      timeoutMillis: 100,
      onProblem: (problem) => problems.push(problem),
    });
    await quit.run();
    const elapsed = performance.now() - started;
    assert.deepEqual(exits, [0]);
    assert.ok(elapsed >= 95 && elapsed < 1000, `exited after ${elapsed} ms`);
    assert.match(problems[0] ?? '', /longer than 100 ms/);
  });

  test("the app's budget: a stop that hangs still ends the app before logind's 5 s shutdown delay runs out", async () => {
    // logind honours a shutdown delay lock for InhibitDelayMaxSec, 5 s by default (logind.conf(5)).
    const LOGIND_DELAY_MILLIS = 5000;
    assert.ok(STOP_TIMEOUT_MILLIS < QUIT_TIMEOUT_MILLIS, 'runtime.stop gives up before the quit does');
    const started = performance.now();
    const exits: number[] = [];
    await createQuitSequence({
      stopRuntime: () => new Promise<void>(() => undefined),
      exitApp: (code) => exits.push(code),
      timeoutMillis: QUIT_TIMEOUT_MILLIS,
    }).run();
    const elapsed = performance.now() - started;
    assert.deepEqual(exits, [0]);
    assert.ok(
      elapsed <= LOGIND_DELAY_MILLIS - 400,
      `the app left ${Math.round(elapsed)} ms after a shutdown began; logind ends it at ${LOGIND_DELAY_MILLIS} ms`,
    );
  });

  test('exits even if stopping throws', async () => {
    const problems: string[] = [];
    const exits: number[] = [];
    const quit = createQuitSequence({
      stopRuntime: () => {
        throw new Error('tunnel would not close');
      },
      exitApp: (code) => exits.push(code),
      timeoutMillis: 1000,
      onProblem: (problem) => problems.push(problem),
    });
    await quit.run(1);
    assert.deepEqual(exits, [1]);
    assert.deepEqual(problems, ['Stopping failed: tunnel would not close']);
  });

  test('with the real runtime (tunnel "none"): nothing listens any more when the app exits', async (t) => {
    const { startRuntime } = await import('../../server/runtime');
    const { FileSettingsStore } = await import('../../server/settings/file-store');
    const folder = await mkdtemp(join(tmpdir(), 'mirror-quit-'));
    t.after(() => rm(folder, { recursive: true, force: true }));
    const runtime = await startRuntime({
      store: new FileSettingsStore(join(folder, 'settings.json')),
      uiRoot: join(folder, 'no-ui'),
      overrides: { tunnel: 'none', mirrorPort: 0, mirrorHost: '127.0.0.1' },
    });
    const mirrorPort = runtime.session.state.mirror.port;
    assert.ok(mirrorPort, `the mirror is up: ${runtime.session.state.message}`);
    const controlPort = runtime.control.port;
    assert.deepEqual(await Promise.all([isFree(mirrorPort), isFree(controlPort)]), [false, false]);
    const phaseAtExit: string[] = [];
    const quit = createQuitSequence({
      stopRuntime: () => runtime.stop(STOP_TIMEOUT_MILLIS),
      exitApp: () => phaseAtExit.push(runtime.session.state.phase),
      timeoutMillis: QUIT_TIMEOUT_MILLIS,
    });
    await quit.run();
    assert.deepEqual(phaseAtExit, ['stopped']);
    assert.deepEqual(await Promise.all([isFree(mirrorPort), isFree(controlPort)]), [true, true]);
  });
});

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1' }, () => server.close(() => resolve(true)));
  });
}
