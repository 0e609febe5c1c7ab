// NgrokTunnel with the REAL child process and the real @ngrok/ngrok, where ngrok's servers cannot be
// reached: what a user without network sees, the time-out, cancellation, and that the authtoken never
// leaks. No test here ever contacts ngrok, with or without internet: every tunnel's `serverAddr`
// (the SDK's `server_addr`) is a local address: a closed port (no network), a server that resets
// every connection, or one that accepts and never answers.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { NgrokTunnel, type NgrokTunnelOptions } from '../../server/tunnel/ngrok';
import { resolveNgrokChildEntry } from '../../server/tunnel/ngrok-child-entry';
import { AUTHTOKEN_URL, TunnelErrorCode } from '../../server/tunnel/ngrok-errors';
import { TunnelError, type TunnelStatus } from '../../server/tunnel/tunnel';
import { childrenLeftAlive, closeWithin, isAlive, waitFor, watchTunnel } from './helpers';

const TOKEN = '2fakeTokenABCDEFGHIJKLMNOPQRSTUVW_0123456789abcdefgh';
const TARGET = { target: { host: '127.0.0.1', port: 9 } };

/** A local address where nothing listens: connecting is refused, as with no network. */
let closedAddr = '';
/** A local server that resets every connection, as a proxy or firewall that cuts the handshake. */
let resetting: Server;
let resettingAddr = '';

before(async () => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedAddr = `127.0.0.1:${(probe.address() as { port: number }).port}`;
  await new Promise((resolve) => probe.close(resolve));
  resetting = createServer((socket) => socket.resetAndDestroy());
  await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
  resettingAddr = `127.0.0.1:${(resetting.address() as { port: number }).port}`;
});

const everything: string[] = []; // every status message, error message and child output, for the leak check
const pids = new Set<number>();
const tunnels: NgrokTunnel[] = [];

function makeTunnel(options: Partial<NgrokTunnelOptions> = {}): {
  tunnel: NgrokTunnel;
  statuses: TunnelStatus[];
} {
  const tunnel = new NgrokTunnel({
    authtoken: TOKEN,
    connectTimeoutMillis: 8000,
    env: { ...process.env, NGROK_AUTHTOKEN: '' },
    onChildOutput: (text) => everything.push(text),
    // Never ngrok's servers: a test that wants another local server passes its own.
    serverAddr: closedAddr,
    ...options,
  });
  const serverAddr = 'serverAddr' in options ? options.serverAddr : closedAddr;
  assert.match(
    String(serverAddr),
    /^127\.0\.0\.1:\d+$/,
    'every tunnel here talks to a local address, never ngrok',
  );
  tunnels.push(tunnel);
  const statuses = watchTunnel(tunnel, everything, pids);
  return { tunnel, statuses };
}

async function expectTunnelError(promise: Promise<unknown>): Promise<TunnelError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof TunnelError, `expected a TunnelError, got ${error}`);
    everything.push(error.message, String(error.stack));
    return error;
  }
  assert.fail('expected a rejection');
}

/** Watches the child pid while open() is pending (it is only known between fork and settle). */
function trackPid(tunnel: NgrokTunnel): { pid: () => number | null; stop: () => void } {
  let seen: number | null = null;
  const timer = setInterval(() => {
    if (tunnel.childPid !== null) {
      seen = tunnel.childPid;
      pids.add(seen);
    }
  }, 2);
  return { pid: () => seen, stop: () => clearInterval(timer) };
}

afterEach(() => closeWithin(tunnels.splice(0)));

after(async () => {
  await new Promise((resolve) => resetting.close(resolve));
  // Every test has closed its tunnels (afterEach): each child must be gone, or go within 3 s.
  const left = await childrenLeftAlive(pids);
  const leaks = everything.filter((text) => text.includes(TOKEN));
  assert.deepEqual(leaks, [], 'the authtoken must never appear in a status, error or child output');
  assert.deepEqual(left, [], `broken promise: closing a tunnel ends its child process: ${left.join('; ')}`);
});

describe('NgrokTunnel with the real child and no network', () => {
  test('a fake authtoken and no way to reach ngrok (a refused connection): rejects in plain language, and the child is gone', async (t) => {
    const { tunnel, statuses } = makeTunnel();
    const tracker = trackPid(tunnel);
    const started = Date.now();
    const error = await expectTunnelError(tunnel.open(TARGET));
    const took = Date.now() - started;
    tracker.stop();
    t.diagnostic(`refused: ${error.code} after ${took} ms: ${error.message}`);
    assert.equal(error.code, TunnelErrorCode.network, error.message);
    assert.match(error.message, /^Cannot reach ngrok/);
    assert.doesNotMatch(error.message, /failed to|tcp|GenericFailure/, 'no SDK jargon');
    assert.ok(took < 9000);
    const pid = tracker.pid();
    assert.ok(pid !== null, 'a child was forked');
    assert.equal(isAlive(pid), false, 'the child has exited');
    assert.equal(tunnel.childPid, null);
    assert.deepEqual(
      statuses.map((status) => status.state),
      ['connecting', 'error'],
    );
    assert.equal(tunnel.status.state, 'error');
  });

  test('an ngrok address that resets every connection: the same plain sentence, no SDK jargon', async () => {
    const { tunnel } = makeTunnel({ serverAddr: resettingAddr });
    const error = await expectTunnelError(tunnel.open(TARGET));
    assert.equal(error.code, TunnelErrorCode.network, error.message);
    assert.match(error.message, /^Cannot reach ngrok/);
    assert.doesNotMatch(error.message, /failed to|tcp|GenericFailure/, 'no SDK jargon');
  });

  test('the token from NGROK_AUTHTOKEN works the same way, and does not leak either', async () => {
    const { tunnel } = makeTunnel({ authtoken: null, env: { ...process.env, NGROK_AUTHTOKEN: TOKEN } });
    const error = await expectTunnelError(tunnel.open(TARGET));
    assert.equal(error.code, TunnelErrorCode.network, error.message);
  });

  test('no authtoken: ERR_NGROK_4018 at once, with the link, and no child forked', async () => {
    const { tunnel, statuses } = makeTunnel({
      authtoken: '  ',
      env: { ...process.env, NGROK_AUTHTOKEN: '' },
    });
    const tracker = trackPid(tunnel);
    const started = Date.now();
    const error = await expectTunnelError(tunnel.open(TARGET));
    tracker.stop();
    // At once: no child, no network wait (a refused connect alone takes ~1 s). Wall clock under a loaded run.
    const took = Date.now() - started;
    assert.ok(took < 1000, `took ${took} ms`);
    assert.equal(error.code, 'ERR_NGROK_4018');
    assert.ok(error.message.includes(AUTHTOKEN_URL));
    assert.match(error.message, /Settings.*NGROK_AUTHTOKEN/);
    assert.equal(tracker.pid(), null, 'no child was forked');
    assert.deepEqual(statuses, [
      { state: 'error', code: 'ERR_NGROK_4018', message: error.message, retryable: false },
    ]);
  });

  describe('an ngrok server that accepts but never answers', () => {
    // The SDK's `server_addr` points the child at this silent server: forward() then hangs, as it
    // does behind a firewall that swallows packets, and only the parent's time-out ends it.
    let silent: Server;
    let serverAddr: string;
    const accepted: Socket[] = [];

    before(async () => {
      silent = createServer((socket) => accepted.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const address = silent.address();
      assert.ok(address && typeof address === 'object');
      serverAddr = `127.0.0.1:${address.port}`;
    });

    after(async () => {
      for (const socket of accepted) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    test('the time-out fires, the child is killed, the error says so', async () => {
      const { tunnel } = makeTunnel({ serverAddr, connectTimeoutMillis: 2000, killGraceMillis: 300 });
      const tracker = trackPid(tunnel);
      const started = Date.now();
      const error = await expectTunnelError(tunnel.open(TARGET));
      const took = Date.now() - started;
      tracker.stop();
      assert.equal(error.code, TunnelErrorCode.timeout);
      assert.match(error.message, /^ngrok did not answer within 2 s: check the internet connection/);
      assert.ok(took >= 1900 && took < 4000, `took ${took} ms`);
      assert.ok(accepted.length > 0, 'the child did reach the silent server');
      const pid = tracker.pid();
      assert.ok(pid !== null);
      assert.equal(isAlive(pid), false, 'the child was killed');
    });

    test('close() during a pending open() cancels it and kills the child', async () => {
      const { tunnel, statuses } = makeTunnel({ serverAddr, connectTimeoutMillis: 20_000 });
      const tracker = trackPid(tunnel);
      const before = accepted.length;
      const opening = tunnel.open(TARGET);
      await waitFor(() => accepted.length > before, 5000, 'the child to connect to the silent server');
      const pid = tracker.pid();
      assert.ok(pid !== null && isAlive(pid));
      const started = Date.now();
      await tunnel.close(3000);
      const error = await expectTunnelError(opening);
      tracker.stop();
      assert.equal(error.code, 'CANCELLED');
      assert.ok(Date.now() - started < 3500);
      assert.equal(isAlive(pid), false, 'the child is gone once close() resolves');
      assert.deepEqual(
        statuses.map((status) => status.state),
        ['connecting', 'closed'],
      );
      await tunnel.close(); // idempotent
      assert.equal(tunnel.status.state, 'closed');
    });

    test('the child does not outlive a parent that is killed', async () => {
      const fixture = fileURLToPath(new URL('./fixtures/parent-that-dies.ts', import.meta.url));
      const parent = spawn(process.execPath, ['--import', 'tsx', fixture, serverAddr], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      try {
        const before = accepted.length;
        const [line] = (await once(parent.stdout, 'data')) as [Buffer];
        const childPid = Number(line.toString().trim());
        pids.add(childPid);
        await waitFor(() => accepted.length > before, 5000, 'the child to connect to the silent server');
        assert.ok(isAlive(childPid));
        parent.kill('SIGKILL');
        // The IPC channel closes with the parent; the child leaves within its 1.5 s goodbye.
        await waitFor(() => !isAlive(childPid), 3000, 'the orphaned child to exit');
      } finally {
        parent.kill('SIGKILL');
      }
    });
  });
});

describe('resolveNgrokChildEntry', () => {
  test('in development, the .ts source next to the module, run through tsx', () => {
    const entry = resolveNgrokChildEntry();
    assert.match(entry.modulePath, /server[/\\]tunnel[/\\]ngrok-child\.ts$/);
    assert.equal(entry.execArgv[0], '--import');
    assert.match(entry.execArgv[1] ?? '', /tsx/);
  });

  test('a built ngrok-child.js next to the bundle wins, run by plain node', () => {
    const directory = mkdtempSync(join(tmpdir(), 'ngrok-entry-'));
    try {
      writeFileSync(join(directory, 'ngrok-child.js'), '');
      writeFileSync(join(directory, 'ngrok-child.ts'), '');
      const entry = resolveNgrokChildEntry(pathToFileURL(join(directory, 'main.js')).href);
      assert.deepEqual(entry, { modulePath: join(directory, 'ngrok-child.js'), execArgv: [] });
    } finally {
      rmSync(directory, { recursive: true });
    }
  });

  test('neither: a TunnelError that says to reinstall', () => {
    const directory = mkdtempSync(join(tmpdir(), 'ngrok-entry-'));
    try {
      assert.throws(
        () => resolveNgrokChildEntry(pathToFileURL(join(directory, 'main.js')).href),
        (error: unknown) => error instanceof TunnelError && error.code === TunnelErrorCode.childMissing,
      );
    } finally {
      rmSync(directory, { recursive: true });
    }
  });
});
