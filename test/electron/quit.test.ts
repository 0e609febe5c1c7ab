import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createQuitSequence } from '../../electron/quit';

const pause = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis));

describe('quit sequence', () => {
  test('stops tunnel, mirror and control API before the app exits', async () => {
    const order: string[] = [];
    // Stand-in for runtime.stop: it closes in this order (see server/runtime.ts).
    const stopRuntime = async () => {
      for (const part of ['tunnel', 'mirror', 'control']) {
        await pause(5);
        order.push(part);
      }
    };
    const quit = createQuitSequence({
      stopRuntime,
      exitApp: (code) => order.push(`exit ${code}`),
      timeoutMillis: 2000,
    });
    assert.equal(quit.started, false);
    await quit.run();
    assert.deepEqual(order, ['tunnel', 'mirror', 'control', 'exit 0']);
    assert.equal(quit.finished, true);
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
      stopRuntime: () => runtime.stop(4000),
      exitApp: () => phaseAtExit.push(runtime.session.state.phase),
      timeoutMillis: 6000,
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
