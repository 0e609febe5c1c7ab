// NgrokTunnel's reconnection, back-off, kill escalation and redaction, driven by a fake child that
// speaks the real IPC protocol (fixtures/fake-ngrok-child.mjs): ngrok's servers are unreachable here,
// so a real session can never be online to drop.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { NgrokTunnel, type NgrokTunnelOptions } from '../../server/tunnel/ngrok';
import { TunnelErrorCode } from '../../server/tunnel/ngrok-errors';
import { TunnelError, type TunnelStatus } from '../../server/tunnel/tunnel';
import { childrenLeftAlive, closeWithin, isAlive, waitFor, watchTunnel, within } from './helpers';

const TOKEN = '2fakeTokenABCDEFGHIJKLMNOPQRSTUVW_0123456789abcdefgh';
const TARGET = { target: { host: '127.0.0.1', port: 9 } };
const FAKE_CHILD = {
  modulePath: fileURLToPath(new URL('./fixtures/fake-ngrok-child.mjs', import.meta.url)),
  execArgv: [],
};
const FAST = { initialDelayMillis: 50, maxDelayMillis: 200, maxAttempts: 3 };

const workDir = mkdtempSync(join(tmpdir(), 'fake-ngrok-'));
const tunnels: NgrokTunnel[] = [];
const pids = new Set<number>();
const everything: string[] = [];
let scripts = 0;

/** A tunnel whose successive child processes follow `script` (see the fixture). */
function makeTunnel(script: string, options: Partial<NgrokTunnelOptions> = {}) {
  const counter = join(workDir, `counter-${++scripts}`);
  writeFileSync(counter, '0');
  const tunnel = new NgrokTunnel({
    authtoken: TOKEN,
    childEntry: FAKE_CHILD,
    env: { ...process.env, FAKE_NGROK_SCRIPT: script, FAKE_NGROK_COUNTER: counter },
    connectTimeoutMillis: 5000,
    reconnect: FAST,
    killGraceMillis: 200,
    onChildOutput: (text) => everything.push(text),
    ...options,
  });
  tunnels.push(tunnel);
  const statuses = watchTunnel(tunnel, everything, pids);
  /** How many children have started and set themselves up. */
  const forks = () => Number(readFileSync(counter, 'utf8'));
  return { tunnel, statuses, forks };
}

async function openAndTrack(tunnel: NgrokTunnel): Promise<{ url: string; pid: number }> {
  const url = await tunnel.open(TARGET);
  const pid = tunnel.childPid;
  assert.ok(pid !== null);
  pids.add(pid);
  return { url, pid };
}

const states = (statuses: TunnelStatus[]) => statuses.map((status) => status.state);

afterEach(() => closeWithin(tunnels.splice(0)));

after(async () => {
  // Every test has closed its tunnels (afterEach): each child must be gone, or go within 3 s.
  const left = await childrenLeftAlive(pids);
  rmSync(workDir, { recursive: true, force: true });
  assert.deepEqual(
    everything.filter((text) => text.includes(TOKEN)),
    [],
  );
  assert.deepEqual(left, [], `broken promise: closing a tunnel ends its child process: ${left.join('; ')}`);
});

describe('NgrokTunnel reconnection', () => {
  test('the ngrok child gets NGROK_AUTHTOKEN, and none of the data source’s secrets from the environment', async () => {
    const seen = join(workDir, 'child-environment');
    const counter = join(workDir, `counter-${++scripts}`);
    writeFileSync(counter, '0');
    const { tunnel } = makeTunnel('online', {
      env: {
        ...process.env,
        FAKE_NGROK_SCRIPT: 'online',
        FAKE_NGROK_COUNTER: counter,
        FAKE_NGROK_ENV_FILE: seen,
        NGROK_AUTHTOKEN: 'env-token',
        PROMETHEUS_PASSWORD: 'pw',
        PROMETHEUS_BEARER_TOKEN: 'bearer',
        PROMETHEUS_SECRET_HEADERS: 'X-Api-Key: k',
      },
    });
    await openAndTrack(tunnel);
    const names = readFileSync(seen, 'utf8').split('\n');
    assert.ok(names.includes('NGROK_AUTHTOKEN'), 'the child can read its authtoken');
    for (const name of ['PROMETHEUS_PASSWORD', 'PROMETHEUS_BEARER_TOKEN', 'PROMETHEUS_SECRET_HEADERS'])
      assert.ok(!names.includes(name), `${name} reached the ngrok child`);
  });

  test('the child dies after being online: reconnecting with back-off, a new child, online again', async () => {
    const { tunnel, statuses } = makeTunnel('online-exit,online');
    const first = await openAndTrack(tunnel);
    assert.equal(first.url, 'https://fake-1.ngrok.test');
    await waitFor(() => tunnel.status.state === 'online' && statuses.length > 2, 5000, 'online again');
    assert.deepEqual(states(statuses), ['connecting', 'online', 'reconnecting', 'connecting', 'online']);
    const reconnecting = statuses[2];
    assert.ok(reconnecting?.state === 'reconnecting');
    assert.equal(reconnecting.attempt, 1);
    assert.equal(reconnecting.retryInMillis, 50);
    assert.match(reconnecting.message, /ngrok helper process stopped unexpectedly \(exit code 1\)/);
    assert.deepEqual(tunnel.status, { state: 'online', publicUrl: 'https://fake-2.ngrok.test' });
    assert.equal(isAlive(first.pid), false);
    assert.notEqual(tunnel.childPid, first.pid);
  });

  test('every retry fails: back-off doubles up to the cap, then status error after maxAttempts', async () => {
    const { tunnel, statuses } = makeTunnel('online-exit,network');
    await openAndTrack(tunnel);
    await waitFor(() => tunnel.status.state === 'error', 8000, 'error');
    const retries = statuses.filter((status) => status.state === 'reconnecting');
    assert.deepEqual(
      retries.map((status) => [status.attempt, status.retryInMillis]),
      [
        [1, 50],
        [2, 100],
        [3, 200],
      ],
    );
    assert.match(retries[1]?.message ?? '', /^Cannot reach ngrok/);
    assert.equal(states(statuses).filter((state) => state === 'connecting').length, 1 + 3);
    assert.deepEqual(tunnel.status, {
      state: 'error',
      code: TunnelErrorCode.network,
      message: 'Cannot reach ngrok: check the internet connection, or a firewall or proxy that may block it.',
      retryable: true,
    });
    assert.equal(tunnel.childPid, null);
  });

  test('a retry that needs the user (invalid token) stops at once', async () => {
    const { tunnel, statuses } = makeTunnel('online-exit,invalid-token');
    await openAndTrack(tunnel);
    await waitFor(() => tunnel.status.state === 'error', 5000, 'error');
    assert.equal(statuses.filter((status) => status.state === 'reconnecting').length, 1);
    assert.ok(tunnel.status.state === 'error' && tunnel.status.code === 'ERR_NGROK_107');
  });

  test('the SDK drops and recovers by itself within the back-off: online again, same child', async () => {
    const { tunnel, statuses } = makeTunnel('online-blip', {
      reconnect: { initialDelayMillis: 2000, maxDelayMillis: 2000, maxAttempts: 3 },
    });
    const first = await openAndTrack(tunnel);
    await waitFor(() => states(statuses).length >= 4, 3000, 'the blip');
    assert.deepEqual(states(statuses), ['connecting', 'online', 'reconnecting', 'online']);
    assert.match(statuses[2]?.state === 'reconnecting' ? statuses[2].message : '', /lost the connection/);
    assert.equal(tunnel.childPid, first.pid);
    assert.deepEqual(tunnel.status, { state: 'online', publicUrl: first.url });
  });

  test('the SDK drops and does not recover: its child is killed and a new one started', async () => {
    const { tunnel, statuses } = makeTunnel('online-drop,online');
    const first = await openAndTrack(tunnel);
    await waitFor(() => tunnel.status.state === 'online' && statuses.length > 2, 5000, 'online again');
    assert.deepEqual(states(statuses), ['connecting', 'online', 'reconnecting', 'connecting', 'online']);
    assert.equal(isAlive(first.pid), false);
    assert.deepEqual(tunnel.status, { state: 'online', publicUrl: 'https://fake-2.ngrok.test' });
  });

  test('close() during the back-off stops reconnecting', async () => {
    const { tunnel, statuses } = makeTunnel('online-exit,online', {
      reconnect: { initialDelayMillis: 5000, maxDelayMillis: 5000, maxAttempts: 3 },
    });
    await openAndTrack(tunnel);
    await waitFor(() => tunnel.status.state === 'reconnecting', 3000, 'reconnecting');
    const started = Date.now();
    await tunnel.close();
    assert.ok(Date.now() - started < 200);
    await sleep(150);
    assert.equal(tunnel.childPid, null, 'no child was started after close()');
    assert.deepEqual(states(statuses), ['connecting', 'online', 'reconnecting', 'closed']);
  });
});

describe('NgrokTunnel lifecycle', () => {
  test('close() asks the child to leave, and it exits', async () => {
    const { tunnel, statuses } = makeTunnel('online');
    const { pid } = await openAndTrack(tunnel);
    const started = Date.now();
    await tunnel.close(3000);
    assert.ok(Date.now() - started < 1000, 'a cooperative child exits without being killed');
    assert.equal(isAlive(pid), false);
    assert.deepEqual(states(statuses), ['connecting', 'online', 'closed']);
    await tunnel.close();
    assert.equal(statuses.length, 3, 'a second close() changes nothing');
  });

  test('close() kills a child that ignores both the request and SIGTERM', async () => {
    const { tunnel, forks } = makeTunnel('stubborn', { connectTimeoutMillis: 10_000 });
    const opening = tunnel.open(TARGET).catch((error: unknown) => error);
    await waitFor(() => forks() === 1, 3000, 'the child to ignore SIGTERM');
    const pid = tunnel.childPid;
    assert.ok(pid !== null);
    pids.add(pid);
    const started = Date.now();
    await within(
      tunnel.close(300),
      3000,
      `broken promise: close() ends a child that ignores SIGTERM with SIGKILL, but close() had not returned 3 s later (child ${pid} alive: ${isAlive(pid)})`,
    );
    const took = Date.now() - started;
    assert.equal(isAlive(pid), false);
    assert.ok(took < 1500, `took ${took} ms`);
    const error = await opening;
    assert.ok(error instanceof TunnelError && error.code === 'CANCELLED');
  });

  test('the connect time-out kills a child that never answers (SIGKILL after SIGTERM is ignored)', async () => {
    const { tunnel } = makeTunnel('stubborn', { connectTimeoutMillis: 1500 });
    const tracked = { pid: null as number | null };
    const timer = setInterval(() => {
      tracked.pid ??= tunnel.childPid;
    }, 2);
    const error = await within(
      tunnel.open(TARGET).catch((failure: unknown) => failure),
      5000,
      'broken promise: the connect time-out (1.5 s) ends a child that ignores SIGTERM with SIGKILL, but open() had not settled 5 s later',
    ).finally(() => {
      clearInterval(timer);
      if (tracked.pid !== null) pids.add(tracked.pid);
    });
    assert.ok(error instanceof TunnelError && error.code === TunnelErrorCode.timeout);
    assert.ok(tracked.pid !== null);
    pids.add(tracked.pid);
    assert.equal(isAlive(tracked.pid), false);
  });

  test('open() twice: the second is refused', async () => {
    const { tunnel } = makeTunnel('online');
    await openAndTrack(tunnel);
    await assert.rejects(tunnel.open(TARGET), (error: unknown) => {
      return error instanceof TunnelError && error.code === TunnelErrorCode.alreadyOpen;
    });
  });

  test('open() again after close() works', async () => {
    const { tunnel } = makeTunnel('online');
    await openAndTrack(tunnel);
    await tunnel.close();
    const again = await openAndTrack(tunnel);
    assert.equal(again.url, 'https://fake-2.ngrok.test');
  });

  test('a token that ngrok quotes back is redacted from the error and the status', async () => {
    const { tunnel, statuses } = makeTunnel('echo-token');
    const error = await tunnel.open(TARGET).catch((failure: unknown) => failure);
    assert.ok(error instanceof TunnelError);
    assert.equal(error.code, 'ERR_NGROK_9999');
    assert.match(error.message, /something odd about \*\*\* happened/);
    assert.ok(!error.message.includes(TOKEN));
    assert.ok(!JSON.stringify(statuses).includes(TOKEN));
  });
});
