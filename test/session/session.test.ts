// The session over real parts: the real mirror on 127.0.0.1, a real settings file, and, for the
// tunnel, either the real ngrok child process (which cannot reach ngrok from here, so it fails the
// way a laptop without network does) or the local TCP forwarder that stands in for ngrok's edge.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { SessionPhase, SessionState } from '../../server/contract/contract';
import { isPortFree } from '../../server/ports';
import { MirrorSession, type SessionOptions } from '../../server/session';
import { FileSettingsStore } from '../../server/settings/file-store';
import { LocalForwarderTunnel } from '../../server/tunnel/local-forwarder';
import { NgrokTunnel } from '../../server/tunnel/ngrok';
import type { Tunnel, TunnelEvents, TunnelStatus } from '../../server/tunnel/tunnel';
import { waitForState as waitFor } from '../fixtures/wait-for-state';

const FAKE_TOKEN = '2fakeAuthtokenForTests_0123456789abcdef';
const sessions: MirrorSession[] = [];
after(async () => {
  for (const session of sessions) await session.shutdown();
});

async function newSession(options: Partial<SessionOptions> = {}): Promise<MirrorSession> {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-session-'));
  const session = await MirrorSession.create({
    store: new FileSettingsStore(join(dir, 'settings.json')),
    overrides: { mirrorPort: 0, ...options.overrides },
    env: {},
    ...options,
  });
  sessions.push(session);
  return session;
}

function waitForPhase(
  session: MirrorSession,
  phases: SessionPhase[],
  timeoutMillis = 15_000,
): Promise<SessionState> {
  if (phases.includes(session.state.phase)) return Promise.resolve(session.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`still ${session.state.phase} after ${timeoutMillis} ms`)),
      timeoutMillis,
    );
    const listener = (state: SessionState) => {
      if (!phases.includes(state.phase)) return;
      clearTimeout(timer);
      session.off('state', listener);
      resolve(state);
    };
    session.on('state', listener);
  });
}

const testConnection = (baseUrl: string, headers: Record<string, string> = {}) =>
  fetch(new URL('api/connection', baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ _type: 'TestConnectionRequest', connectionDetails: {} }),
  });

describe('without an authtoken', () => {
  test('the mirror serves locally and the message says how to add a token', async () => {
    const session = await newSession();
    const state = await session.start();
    assert.equal(state.phase, 'local');
    assert.match(state.message, /ngrok authtoken .*dashboard\.ngrok\.com/);
    assert.equal(state.connection.mirrorUrl, state.mirror.localUrl);
    assert.equal(state.settings.hasAuthtoken, false);
    const response = await testConnection(state.mirror.localUrl!);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-mirror-api-key'), state.connection.apiKey);
    assert.deepEqual(await response.json(), { _type: 'TestConnectionResponse', status: 'OK' });
    assert.equal(session.log.list().at(-1)?.origin, 'local');
    assert.equal(session.state.milestones.firstTestConnection, null, 'a local request is not StackState');
  });
});

describe('through the local stand-in tunnel', () => {
  test('StackState-like traffic through the public URL is marked as tunnel traffic and ticks the milestones', async () => {
    const tunnel = new LocalForwarderTunnel();
    const session = await newSession({ env: { NGROK_AUTHTOKEN: FAKE_TOKEN }, tunnelFactory: () => tunnel });
    await session.start();
    const online = await waitForPhase(session, ['online']);
    assert.equal(online.tunnel.publicUrl, `http://127.0.0.1:${tunnel.port}/`);
    assert.equal(online.connection.mirrorUrl, online.tunnel.publicUrl);
    assert.notEqual(online.milestones.tunnelOnline, null);

    const selfTest = await session.selfTest();
    assert.equal(selfTest.ok, true, selfTest.message);
    assert.equal(selfTest.keyHeaderMatches, true);
    assert.equal(session.state.milestones.firstTestConnection, null, 'the self-test is not StackState');
    assert.equal(session.log.list().at(-1)?.purpose, 'self-test', 'the log marks the self-test as such');

    const response = await testConnection(online.tunnel.publicUrl!);
    assert.equal(response.status, 200);
    const entry = session.log.list().at(-1)!;
    assert.equal(entry.origin, 'tunnel');
    assert.equal(entry.operation, 'connection');
    assert.notEqual(session.state.milestones.firstTestConnection, null);

    const metric = await fetch(new URL('api/metric', online.tunnel.publicUrl!), {
      method: 'POST',
      body: JSON.stringify({
        connectionDetails: {},
        query: {
          conditions: [{ key: 'host', value: { _type: 'StringValue', value: 'a-host' } }],
          metricField: 'cpu.usage',
          startTime: 1_700_000_000_000,
          endTime: 1_700_000_600_000,
          aggregation: { method: 'MEAN', bucketSizeMillis: 60_000 },
        },
      }),
    });
    assert.equal(metric.status, 200);
    assert.notEqual(session.state.milestones.firstMetricQuery, null);
    const original = session.log.list().at(-1)!;
    assert.equal(original.purpose, 'caller');
    assert.ok(
      original.requestHeaders.some(([name, value]) => name === 'user-agent' && value === 'node'),
      `the entry keeps the request's headers: ${JSON.stringify(original.requestHeaders)}`,
    );

    const replayed = await session.replay(original.id);
    assert.equal(replayed.operation, 'metrics');
    assert.equal(replayed.origin, 'local');
    assert.equal(replayed.resultCount, 10);
    assert.deepEqual(
      [replayed.purpose, replayed.replayOf],
      ['replay', original.id],
      'the replay links to its original',
    );

    // A caller sending the marker header itself is still a caller.
    await fetch(new URL('api/connection', online.tunnel.publicUrl!), {
      method: 'POST',
      headers: { 'x-mirror-tray-self-request': `replay-${original.id}-forged` },
      body: JSON.stringify({ connectionDetails: {} }),
    });
    assert.equal(session.log.list().at(-1)?.purpose, 'caller', 'a forged marker does not make a replay');
  });

  test("the log shows the caller address from the edge's X-Forwarded-For (its last entry), not the tunnel's own", async () => {
    // The stand-in edge adds X-Forwarded-For as ngrok's does; the caller also sends one of its own.
    const tunnel = new LocalForwarderTunnel({ forwardedFor: { address: '203.0.113.7' } });
    const session = await newSession({ env: { NGROK_AUTHTOKEN: FAKE_TOKEN }, tunnelFactory: () => tunnel });
    await session.start();
    const online = await waitForPhase(session, ['online']);
    const response = await testConnection(online.tunnel.publicUrl!, { 'x-forwarded-for': '10.9.9.9' });
    assert.equal(response.status, 200);
    const entry = session.log.list().at(-1);
    assert.equal(entry?.origin, 'tunnel');
    assert.equal(
      entry?.remoteAddress,
      '203.0.113.7',
      `broken promise: tunnel traffic is logged with the caller address the edge put last in X-Forwarded-For, but the log says ${entry?.remoteAddress}`,
    );
  });

  test('a dropped tunnel is reported as reconnecting, then online again, while the mirror keeps serving', async () => {
    const tunnel = new LocalForwarderTunnel({ dropMillis: 300 });
    const session = await newSession({ env: { NGROK_AUTHTOKEN: FAKE_TOKEN }, tunnelFactory: () => tunnel });
    await session.start();
    await waitForPhase(session, ['online']);
    const phases: SessionPhase[] = [];
    const urlsWhileReconnecting: (string | null)[] = [];
    session.on('state', (state) => {
      phases.push(state.phase);
      if (state.phase === 'reconnecting') urlsWhileReconnecting.push(state.connection.mirrorUrl);
    });
    const publicUrl = session.state.tunnel.publicUrl;
    tunnel.simulateDrop();
    assert.equal((await testConnection(session.state.mirror.localUrl!)).status, 200);
    await waitForPhase(session, ['online']);
    assert.deepEqual(phases.slice(0, 1), ['reconnecting']);
    assert.deepEqual(urlsWhileReconnecting, [publicUrl], 'the pasted URL stays on screen while reconnecting');
    assert.match(session.state.message, /^Online/);
  });
  test('a new public URL after a restart says to update StackState; after Stop & clean up it does not', async () => {
    // Each stand-in forwarder listens on a new port, as each ngrok session without a reserved domain gets a new URL.
    const session = await newSession({
      env: { NGROK_AUTHTOKEN: FAKE_TOKEN },
      tunnelFactory: () => new LocalForwarderTunnel(),
    });
    const notices: string[] = [];
    session.on('notice', (notice) => notices.push(notice));
    await session.start();
    const first = (await waitForPhase(session, ['online'])).tunnel.publicUrl;
    await session.stop();
    await session.start();
    const second = await waitForPhase(session, ['online']);
    assert.notEqual(second.tunnel.publicUrl, first);
    assert.match(second.message, /^Online at a new URL\. The public URL changed to .*Update the Mirror URL/);
    assert.equal(notices.length, 1);
    await session.cleanup();
    await session.start();
    assert.match((await waitForPhase(session, ['online'])).message, /^Online: StackState can reach/);
    assert.equal(notices.length, 1);
  });
});

describe('with no tunnel (StackState in Docker on this machine)', () => {
  test('the mirror listens where Docker reaches it, says so, and the URL to paste is host.docker.internal', async () => {
    const session = await newSession({ overrides: { mirrorPort: 0, tunnel: 'none' } });
    await session.start();
    const state = await waitForPhase(session, ['online']);
    assert.equal(state.mirror.host, '0.0.0.0');
    assert.match(state.mirror.networkWarning ?? '', /all network interfaces/);
    assert.equal(state.connection.mirrorUrl, `http://host.docker.internal:${state.mirror.port}/`);
    assert.match(state.message, /^StackState in Docker on this machine can reach the mirror at http/);
    assert.doesNotMatch(state.mirror.networkWarning ?? '', /Docker on Linux/, 'on 0.0.0.0 Docker reaches it');
    const selfTest = await session.selfTest();
    assert.equal(selfTest.url, state.mirror.localUrl, 'host.docker.internal resolves only inside Docker');
    assert.equal(selfTest.mirrorUrl, state.connection.mirrorUrl);
    assert.equal(selfTest.reach, 'this-machine');
    assert.equal(selfTest.ok, false, 'no pass for a URL that was not called');
    assert.equal(selfTest.status, 200);
    assert.match(
      selfTest.message,
      /^Not a test of the Mirror URL: host\.docker\.internal is a name only StackState's containers know, so this machine called http:\/\/127\.0\.0\.1:\d+\/ \(the same port\) instead\. .* answered Test Connection .* which proves the mirror works, not that StackState can reach it/,
    );
  });
});

describe('with the real ngrok child process and no way to reach ngrok', () => {
  test('the tunnel error is a plain sentence, the mirror keeps answering, the tunnel is retried, and Stop & clean up leaves nothing behind', async () => {
    // No network, made true here: the SDK's server address is a local port where nothing listens,
    // so ngrok's servers are never contacted, with or without internet.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const unreachable = `127.0.0.1:${(probe.address() as { port: number }).port}`;
    await new Promise((resolve) => probe.close(resolve));
    let ngrok: NgrokTunnel | null = null;
    const session = await newSession({
      tunnelFactory: (plan) => {
        ngrok = new NgrokTunnel({
          authtoken: plan.authtoken,
          connectTimeoutMillis: 8000,
          serverAddr: unreachable,
          onChildOutput: () => {},
        });
        return ngrok;
      },
      tunnelRetry: { initialDelayMillis: 1000, maxDelayMillis: 2000 },
    });
    const events: string[] = [];
    session.on('state', (state) => events.push(JSON.stringify(state)));
    await session.updateSettings({ ngrokAuthtoken: FAKE_TOKEN });
    await session.start();
    const failed = await waitForPhase(session, ['tunnel-error']);
    assert.match(failed.message, /ngrok/i);
    assert.match(failed.message, /keeps serving locally/);
    assert.equal((await testConnection(failed.mirror.localUrl!)).status, 200);
    const port = failed.mirror.port!;
    // No network: the session tries again by itself, with back-off. Always checked: the refused
    // local address makes the error ERR_TUNNEL_NETWORK on every machine.
    const status = failed.tunnel.status;
    assert.equal(
      status.state === 'error' ? status.code : status.state,
      'ERR_TUNNEL_NETWORK',
      `a refused connection is "no network": ${failed.message}`,
    );
    // The next try's time goes out for the window's countdown; the sentence stays true while it runs.
    assert.ok(failed.tunnel.retryAt !== null, 'a retry is scheduled');
    const firstDelay = failed.tunnel.retryAt! - Date.now();
    assert.ok(
      firstDelay > 500 && firstDelay <= 1000,
      `the first retry comes in about 1 s, not ${firstDelay} ms`,
    );
    assert.match(failed.message, /tried again automatically/);
    assert.equal(failed.tunnel.authtokenRefused, false, 'no network is not the token’s fault');
    const retrying = await waitForPhase(session, ['tunnel-error'], 5000).then(() =>
      waitFor(session, (s) => s.tunnel.status.state === 'connecting'),
    );
    assert.equal(retrying.phase, 'tunnel-error', 'a retry does not go back to "connecting"');
    assert.equal(retrying.connection.mirrorUrl, failed.mirror.localUrl, 'the local URL stays on screen');
    assert.equal(retrying.tunnel.retryAt, null);
    assert.match(retrying.message, /Trying again now \(attempt 2\)/, 'the first retry is the second try');
    const again = await waitFor(
      session,
      (s) => s.tunnel.status.state === 'error' && s.tunnel.retryAt !== null,
    );
    const secondDelay = again.tunnel.retryAt! - Date.now();
    assert.ok(secondDelay > 1500 && secondDelay <= 2000, `then in about 2 s, not ${secondDelay} ms`);
    const retryingAgain = await waitFor(session, (s) => s.tunnel.status.state === 'connecting');
    assert.match(retryingAgain.message, /Trying again now \(attempt 3\)/, 'retries count up');
    const blank = events
      .map((e) => JSON.parse(e) as SessionState)
      .filter((e) => e.connection.mirrorUrl === null);
    assert.deepEqual(
      blank.map((e) => e.phase),
      ['stopped', 'starting', 'connecting'],
      'the Mirror URL is blank only before the first try, never during a retry',
    );

    const report = await session.cleanup({ forgetAuthtoken: true });
    assert.ok(
      report.steps.every((step) => step.ok),
      JSON.stringify(report.steps),
    );
    assert.ok(report.steps.some((step) => step.what === `Mirror port ${port} is free`));
    assert.equal(await isPortFree(port, '127.0.0.1'), true);
    assert.equal(ngrok!.childPid, null);
    assert.equal(session.log.size, 0);
    assert.equal(session.state.phase, 'stopped');
    assert.equal(session.state.settings.hasAuthtoken, false);
    assert.match(report.remainingInStackState.join('\n'), /Mirror sources/);
    const saved = await readFile(session.state.settings.location, 'utf8');
    assert.doesNotMatch(saved, new RegExp(FAKE_TOKEN));

    const everythingSaid = [...events, JSON.stringify(report), JSON.stringify(session.state)].join('\n');
    assert.doesNotMatch(
      everythingSaid,
      new RegExp(FAKE_TOKEN),
      'the authtoken leaked into an event or report',
    );
  });
});

describe('failures and settings', () => {
  test('a mirror port in use puts the session in error with a sentence naming the port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const session = await newSession({ overrides: { mirrorPort: port } });
      const state = await session.start();
      assert.equal(state.phase, 'error');
      assert.match(state.message, new RegExp(`${port}.*already in use.*--port`));
    } finally {
      blocker.close();
    }
  });

  test('a bad setting is refused whole and nothing is saved; a good one restarts the mirror on its new port, over --port', async () => {
    // Started with the command-line option --port 0; a port chosen in the UI then wins over it.
    const session = await newSession();
    const first = await session.start();
    await assert.rejects(
      session.updateSettings({ mirrorPort: 99999, dataSource: { kind: 'tutorial' } }),
      /mirrorPort must be a port/,
    );
    assert.equal(session.state.dataSource.kind, 'demo');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const freePort = (blocker.address() as { port: number }).port;
    await new Promise((resolve) => blocker.close(resolve));
    const next = await session.updateSettings({ mirrorPort: freePort, dataSource: { kind: 'tutorial' } });
    assert.equal(next.mirror.port, freePort);
    assert.equal(next.dataSource.kind, 'tutorial');
    assert.equal(await isPortFree(first.mirror.port!, '127.0.0.1'), true);
  });

  test('Stop & clean up with "forget settings" serves the default profile again', async () => {
    const session = await newSession();
    await session.updateSettings({ dataSource: { kind: 'tutorial' } });
    await session.start();
    assert.equal(session.state.catalog.metrics.length, 0, 'the tutorial profile has no metric catalog');
    await session.cleanup({ forgetSettings: true });
    assert.equal(session.state.dataSource.kind, 'demo');
    assert.ok(session.state.catalog.metrics.includes('cpu.usage'), 'the demo source is back');
  });

  test('three clicks on Regenerate at once: each is saved in turn, none fails', async () => {
    const session = await newSession();
    await session.start();
    const keys = (await Promise.all([1, 2, 3].map(() => session.regenerateApiKey()))).map(
      (s) => s.connection.apiKey,
    );
    assert.equal(new Set(keys).size, 3);
    assert.equal(session.state.connection.apiKey, keys[2]);
  });

  test('regenerating the API key changes the header of the very next response', async () => {
    const session = await newSession();
    const state = await session.start();
    const before = state.connection.apiKey;
    const after = (await session.regenerateApiKey()).connection.apiKey;
    assert.notEqual(after, before);
    const response = await testConnection(state.mirror.localUrl!);
    assert.equal(response.headers.get('x-mirror-api-key'), after);
  });

  test('an incident raises the chosen series and shows in the state until it ends', async () => {
    const session = await newSession();
    const state = await session.start();
    const maxRate = async (startTime: number) => {
      const response = await fetch(new URL('api/metric', state.mirror.localUrl!), {
        method: 'POST',
        body: JSON.stringify({
          connectionDetails: {},
          query: {
            conditions: [{ key: 'host', value: { _type: 'StringValue', value: 'a-host' } }],
            metricField: 'requests.rate',
            startTime,
            endTime: startTime + 60_000,
            aggregation: { method: 'MAX', bucketSizeMillis: 60_000 },
          },
        }),
      });
      const body = (await response.json()) as { telemetry: { points: number[][] } };
      return body.telemetry.points[0]![0]!;
    };
    // The incident starts now: the minute before is normal, the minute after is raised.
    const normal = await maxRate(Date.now() - 120_000);
    session.startIncident({
      series: { host: 'a-host' },
      metric: 'requests.rate',
      durationMinutes: 5,
      factor: 4,
    });
    assert.equal(session.state.incidents.length, 1);
    const during = await maxRate(Date.now() + 1000);
    assert.ok(during > normal * 2, `${during} during the incident vs ${normal} before`);
    assert.throws(
      () => session.startIncident({ series: { host: 'nope' }, metric: 'requests.rate', durationMinutes: 1 }),
      /unknown series/,
    );
    assert.equal(session.endIncidents().incidents.length, 0);
  });
});

describe('replay', () => {
  test('replays only to this mirror, whatever URL the client logged', async () => {
    const session = await newSession();
    const state = await session.start();
    const { port } = new URL(state.mirror.localUrl!);
    // A raw request line in absolute form, naming another host: logged as the client sent it.
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.end(
          'POST http://198.51.100.7:9/api/connection HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
        );
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
      socket.resume();
    });
    const planted = session.log.list().at(-1)!;
    assert.match(planted.url, /^http:\/\/198\.51\.100\.7/);
    await assert.rejects(session.replay(planted.id), /not addressed to this mirror/);
  });
});

/**
 * A scripted stand-in tunnel: ngrok's servers cannot be reached here, so a drop followed by failed
 * reconnection attempts is played by this class, which emits the statuses NgrokTunnel emits then.
 */
class ScriptedTunnel extends EventEmitter<TunnelEvents> implements Tunnel {
  readonly kind = 'ngrok' as const;
  status: TunnelStatus = { state: 'closed' };
  constructor(readonly publicUrl: string) {
    super();
  }
  async open(): Promise<string> {
    this.play({ state: 'connecting', attempt: 1 });
    this.play({ state: 'online', publicUrl: this.publicUrl });
    return this.publicUrl;
  }
  async close(): Promise<void> {
    this.play({ state: 'closed' });
  }
  play(status: TunnelStatus): void {
    this.status = status;
    this.emit('status', status);
  }
}

describe('a tunnel that drops and cannot get back', () => {
  test('stays "reconnecting" with the pasted URL, then reports the failure and is tried again by the session', async () => {
    const tunnels: ScriptedTunnel[] = [];
    const session = await newSession({
      env: { NGROK_AUTHTOKEN: FAKE_TOKEN },
      tunnelFactory: () => {
        const tunnel = new ScriptedTunnel('https://stand-in.example/');
        tunnels.push(tunnel);
        return tunnel;
      },
      tunnelRetry: { initialDelayMillis: 200, maxDelayMillis: 400 },
    });
    await session.start();
    await waitForPhase(session, ['online']);
    const tunnel = tunnels[0]!;
    tunnel.play({
      state: 'reconnecting',
      attempt: 1,
      retryInMillis: 1000,
      message: 'ngrok lost the connection.',
    });
    tunnel.play({ state: 'connecting', attempt: 1 });
    assert.equal(session.state.phase, 'reconnecting');
    assert.equal(session.state.connection.mirrorUrl, 'https://stand-in.example/');
    tunnel.play({
      state: 'error',
      code: 'ERR_TUNNEL_NETWORK',
      message: 'Cannot reach ngrok.',
      retryable: true,
    });
    assert.equal(session.state.phase, 'tunnel-error');
    assert.match(
      session.state.message,
      /^Cannot reach ngrok\. It is tried again automatically; meanwhile the mirror keeps serving locally/,
    );
    await waitForPhase(session, ['online']);
    assert.equal(tunnels.length, 2, 'the session opened a new tunnel');
  });
});
