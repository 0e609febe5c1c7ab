// The tunnel keeper on its own: a real local forwarder in front of a real HTTP server, and a
// stand-in tunnel that plays the statuses NgrokTunnel emits when ngrok's servers cannot be reached.
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { isPortFree } from '../../server/ports';
import { ActionQueue } from '../../server/session/action-queue';
import {
  TunnelKeeper,
  type TunnelPhase,
  type TunnelRequest,
  type TunnelRetryPolicy,
} from '../../server/session/tunnel-keeper';
import { LocalForwarderTunnel } from '../../server/tunnel/local-forwarder';
import type { TunnelFactory, TunnelPlan } from '../../server/tunnel/plan';
import {
  type Tunnel,
  TunnelError,
  type TunnelEvents,
  type TunnelOpenOptions,
  type TunnelStatus,
} from '../../server/tunnel/tunnel';
import { waitFor } from '../tunnel/helpers';

const LOCAL_URL = 'http://127.0.0.1:7007/';

/** Lets promise chains (the retry goes through the action queue) run; setTimeout may be mocked, setImmediate is not. */
async function settle(): Promise<void> {
  for (let round = 0; round < 10; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A keeper whose phases and notices are recorded, with a plan for ngrok and a token unless told otherwise. */
function keeperWith(
  factory: TunnelFactory,
  options: {
    plan?: Partial<TunnelPlan>;
    retry?: TunnelRetryPolicy;
    targetPort?: number;
    mirrorHost?: string;
  } = {},
) {
  const phases: [TunnelPhase, string][] = [];
  const notices: string[] = [];
  const queue = new ActionQueue();
  let request: TunnelRequest | null = {
    plan: {
      kind: 'ngrok',
      authtoken: 'token',
      domain: null,
      allowCidrs: [],
      mirrorPort: 7007,
      ...options.plan,
    },
    target: { host: '127.0.0.1', port: options.targetPort ?? 1 },
    localUrl: LOCAL_URL,
    mirrorHost: options.mirrorHost ?? '0.0.0.0',
  };
  const keeper = new TunnelKeeper({
    factory,
    retry: options.retry ?? { initialDelayMillis: 1000, maxDelayMillis: 4000 },
    hooks: {
      request: () => request,
      phase: (phase, message) => phases.push([phase, message]),
      notice: (notice) => notices.push(notice),
      serialise: (task) => queue.run(task),
    },
  });
  const lastPhase = () => phases.at(-1)?.[0];
  const mirrorStopped = () => {
    request = null;
  };
  return { keeper, phases, notices, lastPhase, mirrorStopped };
}

interface Script {
  kind?: Tunnel['kind'];
  publicUrl?: string;
  /** open() rejects with this. */
  fail?: Error;
  /** open() waits until close(), as a connect under way does. */
  hang?: boolean;
  closeFails?: boolean;
}

/**
 * A stand-in tunnel: open() plays what the test scripted (online, a TunnelError, or a hang until
 * closed), and play() emits any status afterwards, as NgrokTunnel does around a drop.
 */
class ScriptedTunnel extends EventEmitter<TunnelEvents> implements Tunnel {
  readonly kind: Tunnel['kind'];
  status: TunnelStatus = { state: 'closed' };
  closeCalls = 0;
  private hung: ((error: Error) => void) | null = null;

  constructor(private readonly script: Script) {
    super();
    this.kind = script.kind ?? 'ngrok';
  }

  async open(_options: TunnelOpenOptions): Promise<string> {
    this.play({ state: 'connecting', attempt: 1 });
    if (this.script.hang) {
      return new Promise((_resolve, reject) => {
        this.hung = reject;
      });
    }
    if (this.script.fail) {
      // NgrokTunnel reports the failure as a status too; the keeper must say it once, from the exception.
      this.play({ state: 'error', code: 'ERR', message: this.script.fail.message });
      throw this.script.fail;
    }
    const publicUrl = this.script.publicUrl ?? 'https://stand-in.example/';
    this.play({ state: 'online', publicUrl });
    return publicUrl;
  }

  async close(): Promise<void> {
    this.closeCalls++;
    this.hung?.(new TunnelError('ERR_TUNNEL_CLOSED', 'closed while connecting'));
    if (this.script.closeFails) throw new Error('the helper process would not exit');
    this.play({ state: 'closed' });
  }

  play(status: TunnelStatus): void {
    this.status = status;
    this.emit('status', status);
  }
}

/** Builds the scripted tunnels in turn (the last script repeats) and keeps them for inspection. */
function scripted(...scripts: Script[]) {
  const built: ScriptedTunnel[] = [];
  const factory: TunnelFactory = () => {
    const tunnel = new ScriptedTunnel(scripts[Math.min(built.length, scripts.length - 1)] ?? {});
    built.push(tunnel);
    return tunnel;
  };
  return { factory, built };
}

describe('with the real local forwarder', () => {
  let target: Server;
  let targetPort = 0;
  before(async () => {
    target = createServer((_request, response) => response.end('through the tunnel'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetPort = (target.address() as { port: number }).port;
  });
  after(() => target.close());

  test('opens, forwards, rides out a drop with the pasted URL, and closes to a free port', async () => {
    const forwarder = new LocalForwarderTunnel({ dropMillis: 100 });
    const { keeper, phases, notices } = keeperWith(() => forwarder, { targetPort });
    await keeper.open();
    const publicUrl = `http://127.0.0.1:${forwarder.port}/`;
    assert.deepEqual(phases, [
      ['connecting', 'Opening the local-forwarder tunnel…'],
      ['online', `Online: StackState can reach the mirror at ${publicUrl}`],
    ]);
    assert.equal(await (await fetch(publicUrl)).text(), 'through the tunnel');
    assert.equal(keeper.urlToPaste('online', LOCAL_URL), publicUrl);

    const drop = forwarder.simulateDrop();
    assert.equal(phases.at(-1)?.[0], 'reconnecting');
    assert.match(
      phases.at(-1)?.[1] ?? '',
      /^simulated drop Reconnecting \(attempt 1\); the mirror keeps serving/,
    );
    assert.equal(
      keeper.urlToPaste('reconnecting', LOCAL_URL),
      publicUrl,
      'the pasted URL stays while reconnecting',
    );
    await drop;
    assert.deepEqual(phases.at(-1), ['online', `Online: StackState can reach the mirror at ${publicUrl}`]);
    assert.deepEqual(notices, [], 'the same URL again is no news');

    const port = forwarder.port!;
    assert.deepEqual(await keeper.close(), {
      what: 'Tunnel closed',
      ok: true,
      detail: 'The local forwarder is closed.',
    });
    assert.deepEqual(keeper.status, { state: 'closed' });
    assert.equal(await isPortFree(port, '127.0.0.1'), true);
    assert.deepEqual(await keeper.close(), {
      what: 'Tunnel closed',
      ok: true,
      detail: 'No tunnel was open.',
    });
  });

  test('a new public URL after a reopen is called out once; after forgetPublicUrl it is not', async () => {
    // Each forwarder listens on a new port, as each ngrok session without a reserved domain gets a new URL.
    const { keeper, phases, notices } = keeperWith(() => new LocalForwarderTunnel(), { targetPort });
    await keeper.open();
    await keeper.close();
    await keeper.open();
    assert.match(
      phases.at(-1)?.[1] ?? '',
      /^Online at a new URL\. The public URL changed to http:\/\/127\.0\.0\.1:\d+\/\. Update/,
    );
    assert.equal(notices.length, 1);
    assert.match(
      notices[0] ?? '',
      /^The public URL changed to .*A reserved ngrok domain in Settings keeps it stable\.$/,
    );
    await keeper.close();
    keeper.forgetPublicUrl();
    await keeper.open();
    assert.match(phases.at(-1)?.[1] ?? '', /^Online: StackState can reach/);
    assert.equal(notices.length, 1);
    await keeper.close();
  });
});

describe('opening', () => {
  test('ngrok without an authtoken builds no tunnel and says where to get a token', async () => {
    const { factory, built } = scripted({});
    const { keeper, phases } = keeperWith(factory, { plan: { authtoken: null } });
    await keeper.open();
    assert.equal(built.length, 0);
    assert.equal(phases.length, 1);
    assert.equal(phases[0]?.[0], 'local');
    assert.match(
      phases[0]?.[1] ?? '',
      /^The mirror runs locally at http:\/\/127\.0\.0\.1:7007\/\. .*dashboard\.ngrok\.com/,
    );
    assert.equal(keeper.urlToPaste('local', LOCAL_URL), LOCAL_URL);
  });

  test('the tunnel "none" is "Ready" for StackState in Docker', async () => {
    const { factory } = scripted({ kind: 'none', publicUrl: 'http://host.docker.internal:7007/' });
    const { keeper, phases } = keeperWith(factory, { plan: { kind: 'none', authtoken: null } });
    await keeper.open();
    assert.deepEqual(phases.at(-1), [
      'online',
      'StackState in Docker on this machine can reach the mirror at http://host.docker.internal:7007/',
    ]);
  });

  test('the tunnel "none" with a new port: the new URL for Docker, and no ngrok advice; an unrelated save restores the usual sentence', async () => {
    const { factory } = scripted(
      { kind: 'none', publicUrl: 'http://host.docker.internal:7007/' },
      { kind: 'none', publicUrl: 'http://host.docker.internal:7010/' },
    );
    const { keeper, phases, notices } = keeperWith(factory, { plan: { kind: 'none', authtoken: null } });
    await keeper.open();
    await keeper.close();
    await keeper.open();
    const [phase, message] = phases.at(-1) ?? [];
    assert.equal(phase, 'online');
    assert.match(
      message ?? '',
      /port changed: StackState in Docker now calls it at http:\/\/host\.docker\.internal:7010\//,
    );
    assert.doesNotMatch(`${message} ${notices.join(' ')}`, /ngrok/, 'no ngrok advice with the tunnel "none"');
    keeper.restate();
    assert.deepEqual(phases.at(-1), [
      'online',
      'StackState in Docker on this machine can reach the mirror at http://host.docker.internal:7010/',
    ]);
  });

  test('the tunnel "none" with the mirror on 127.0.0.1: a warning, not a promise that Docker reaches it', async () => {
    const { factory } = scripted({ kind: 'none', publicUrl: 'http://host.docker.internal:7007/' });
    const { keeper, phases } = keeperWith(factory, {
      plan: { kind: 'none', authtoken: null },
      mirrorHost: '127.0.0.1',
    });
    await keeper.open();
    const message = phases.at(-1)?.[1] ?? '';
    assert.doesNotMatch(message, /can reach/);
    assert.match(message, /listens on 127\.0\.0\.1 only: see the warning below/);
  });

  test('a refusal ngrok will not change by waiting is said once, with the local URL, and not retried', async () => {
    const { factory, built } = scripted({ fail: new TunnelError('ERR_NGROK_4018', 'No authtoken.') });
    const { keeper, phases } = keeperWith(factory, { retry: { initialDelayMillis: 20, maxDelayMillis: 20 } });
    await keeper.open();
    assert.deepEqual(phases, [
      ['connecting', 'Opening the ngrok tunnel…'],
      ['tunnel-error', `No authtoken. Meanwhile the mirror keeps serving locally at ${LOCAL_URL}.`],
    ]);
    assert.deepEqual(keeper.status, {
      state: 'error',
      code: 'ERR_NGROK_4018',
      message: 'No authtoken.',
      retryable: false,
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(built.length, 1, 'no second attempt');
    assert.equal(keeper.urlToPaste('tunnel-error', LOCAL_URL), LOCAL_URL);
    await keeper.close();
  });

  test('an error that is not a TunnelError is a plain sentence, not retried', async () => {
    const { factory } = scripted({ fail: new Error('spawn failed') });
    const { keeper, phases } = keeperWith(factory);
    await keeper.open();
    assert.deepEqual(phases.at(-1), [
      'tunnel-error',
      `The tunnel failed: spawn failed Meanwhile the mirror keeps serving locally at ${LOCAL_URL}.`,
    ]);
    assert.equal(keeper.status.state === 'error' && keeper.status.code, 'TUNNEL_FAILED');
    await keeper.close();
  });

  test('no network: tried again with back-off (doubling up to the cap), the failed tunnel closed each time', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const offline = new TunnelError('ERR_TUNNEL_NETWORK', 'Cannot reach ngrok.', { retryable: true });
    const { factory, built } = scripted({ fail: offline });
    const { keeper, phases } = keeperWith(factory, {
      retry: { initialDelayMillis: 2000, maxDelayMillis: 5000 },
    });
    await keeper.open();
    const said: string[] = [];
    const waits: number[] = [];
    for (const delay of [2000, 4000, 5000, 5000]) {
      said.push(phases.at(-1)?.[1] ?? '');
      // The window counts down to retryAt (Date is not mocked here: the wait is measured now).
      waits.push(Math.round(((keeper.retryAt ?? 0) - Date.now()) / 1000));
      const attempts = built.length;
      t.mock.timers.tick(delay);
      await settle();
      assert.equal(built.length, attempts + 1, `attempt ${attempts + 1} after ${delay} ms`);
      assert.equal(phases.at(-1)?.[0], 'tunnel-error');
    }
    assert.deepEqual(waits, [2, 4, 5, 5], 'the next try, in seconds, as the window counts it down');
    assert.match(
      said[0] ?? '',
      /^Cannot reach ngrok\. It is tried again automatically; meanwhile the mirror keeps serving locally at/,
    );
    assert.ok(
      built.slice(0, -1).every((tunnel) => tunnel.closeCalls === 1),
      'each failed tunnel was closed before the next',
    );
    const errors = phases.filter(([phase]) => phase === 'tunnel-error').map(([, message]) => message);
    assert.equal(
      errors.filter((m) => /tried again automatically/.test(m)).length,
      5,
      'each failure said once',
    );
    assert.equal(errors.filter((m) => /Trying again now/.test(m)).length, 4, 'each retry said once');
    assert.ok(!phases.slice(1).some(([phase]) => phase === 'connecting'), 'a retry keeps the error phase');
    await keeper.close();
  });

  test('a retry that finds the mirror stopped opens nothing', async (t) => {
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const offline = new TunnelError('ERR_TUNNEL_NETWORK', 'Cannot reach ngrok.', { retryable: true });
    const { factory, built } = scripted({ fail: offline });
    const { keeper, mirrorStopped } = keeperWith(factory);
    await keeper.open();
    mirrorStopped();
    t.mock.timers.tick(1000);
    await settle();
    assert.equal(built[0]?.closeCalls, 1, 'the failed tunnel was closed');
    assert.equal(built.length, 1);
  });

  test('closed while connecting: the aborted open is not reported as a failure', async () => {
    const { factory, built } = scripted({ hang: true });
    const { keeper, phases } = keeperWith(factory);
    const opening = keeper.open();
    assert.deepEqual(phases, [['connecting', 'Opening the ngrok tunnel…']]);
    assert.equal(keeper.urlToPaste('connecting', LOCAL_URL), null, 'no URL to paste while connecting');
    await keeper.close();
    await opening;
    assert.deepEqual(phases, [['connecting', 'Opening the ngrok tunnel…']]);
    assert.equal(built[0]?.closeCalls, 1);
  });

  test('a tunnel that will not close is a failed step with its reason', async () => {
    const { factory } = scripted({ closeFails: true });
    const { keeper } = keeperWith(factory);
    await keeper.open();
    assert.deepEqual(await keeper.close(), {
      what: 'Tunnel closed',
      ok: false,
      detail: 'the helper process would not exit',
    });
  });
});

describe('statuses after a drop (the stand-in plays what NgrokTunnel emits)', () => {
  test('reconnecting keeps the pasted URL; a reconnection given up is retried with a new tunnel', async () => {
    const { factory, built } = scripted({});
    const { keeper, phases, notices } = keeperWith(factory, {
      retry: { initialDelayMillis: 20, maxDelayMillis: 40 },
    });
    await keeper.open();
    const tunnel = built[0]!;
    tunnel.play({
      state: 'reconnecting',
      attempt: 1,
      retryInMillis: 2000,
      message: 'ngrok lost the connection.',
    });
    assert.deepEqual(phases.at(-1), [
      'reconnecting',
      'ngrok lost the connection. Reconnecting (attempt 1); the mirror keeps serving locally.',
    ]);
    const countdown = (keeper.retryAt ?? 0) - Date.now();
    assert.ok(
      countdown > 1500 && countdown <= 2000,
      `the reconnection's own wait is counted down (${countdown} ms)`,
    );
    tunnel.play({ state: 'connecting', attempt: 2 });
    assert.deepEqual(phases.at(-1), [
      'reconnecting',
      'Reconnecting the tunnel (attempt 2); the mirror keeps serving locally.',
    ]);
    assert.equal(keeper.urlToPaste('reconnecting', LOCAL_URL), 'https://stand-in.example/');

    tunnel.play({
      state: 'error',
      code: 'ERR_TUNNEL_NETWORK',
      message: 'Cannot reach ngrok.',
      retryable: true,
    });
    assert.deepEqual(phases.at(-1), [
      'tunnel-error',
      `Cannot reach ngrok. It is tried again automatically; meanwhile the mirror keeps serving locally at ${LOCAL_URL}.`,
    ]);
    await waitFor(() => built.length === 2 && phases.at(-1)?.[0] === 'online', 2000, 'online again');
    assert.equal(tunnel.closeCalls, 1, 'the tunnel that gave up was closed');
    assert.deepEqual(notices, [], 'the same URL again is no news');

    // The old tunnel is gone: whatever it still says is not the session's business.
    const said = phases.length;
    tunnel.play({ state: 'error', code: 'ERR', message: 'late' });
    assert.equal(phases.length, said);
    await keeper.close();
  });

  test('a reconnection given up for good (not retryable) says what to change', async () => {
    const { factory, built } = scripted({});
    const { keeper, phases } = keeperWith(factory);
    await keeper.open();
    built[0]!.play({ state: 'error', code: 'ERR_NGROK_108', message: 'Another session uses this token.' });
    assert.deepEqual(phases.at(-1), [
      'tunnel-error',
      `Another session uses this token. Meanwhile the mirror keeps serving locally at ${LOCAL_URL}.`,
    ]);
    await keeper.close();
  });
});
