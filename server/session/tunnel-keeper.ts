// Keeps the tunnel up while the mirror runs: opens it, turns its statuses into the session's
// phases and plain messages, tries again with back-off when it could not open for want of a
// network, and remembers the public URL StackState was given, so a new one is called out.
// The mirror never depends on it: every message says the mirror keeps serving locally.
import type { CleanupStep, SessionPhase } from '../contract/contract';
import { blamesAuthtoken } from '../tunnel/ngrok-errors';
import type { TunnelFactory, TunnelPlan } from '../tunnel/plan';
import { type Tunnel, TunnelError, type TunnelStatus } from '../tunnel/tunnel';
import { isLoopback } from './loopback';

export interface TunnelRetryPolicy {
  initialDelayMillis: number;
  maxDelayMillis: number;
}

export const DEFAULT_TUNNEL_RETRY: TunnelRetryPolicy = { initialDelayMillis: 5000, maxDelayMillis: 60_000 };

const TUNNEL_CLOSED_DETAIL: Record<Tunnel['kind'], string> = {
  ngrok: 'The ngrok tunnel is closed and its helper process has exited.',
  none: 'There was no tunnel to close: StackState reached the mirror directly.',
  'local-forwarder': 'The local forwarder is closed.',
};

/** The phases the tunnel's progress puts the session in. */
export type TunnelPhase = Extract<
  SessionPhase,
  'local' | 'connecting' | 'online' | 'reconnecting' | 'tunnel-error'
>;

/** What to open: the plan for the tunnel factory, and the mirror it forwards to. */
export interface TunnelRequest {
  plan: TunnelPlan;
  /** The mirror's tunnel-only listener. */
  target: { host: string; port: number };
  /** The mirror's local URL, named in messages: it keeps serving there whatever the tunnel does. */
  localUrl: string;
  /** The address the mirror's main port listens on: a loopback one is out of Docker's reach on Linux. */
  mirrorHost: string;
}

export interface TunnelKeeperHooks {
  /** What to open now, or null if the mirror is not running. Asked on every retry, so a retry uses the current settings. */
  request(): TunnelRequest | null;
  /** The tunnel's progress, as the session's phase and message. */
  phase(phase: TunnelPhase, message: string): void;
  /** Something the user must act on (a new public URL to paste). */
  notice(message: string): void;
  /** Runs a task in the session's queue, so a retry never interleaves with Stop or a settings change. */
  serialise(task: () => Promise<void>): Promise<void>;
}

export interface TunnelKeeperOptions {
  factory: TunnelFactory;
  retry: TunnelRetryPolicy;
  hooks: TunnelKeeperHooks;
}

export class TunnelKeeper {
  private tunnel: Tunnel | null = null;
  private current: TunnelStatus = { state: 'closed' };
  /** The tunnel whose first open() is under way: its failure comes as an exception, not a status. */
  private opening: Tunnel | null = null;
  private localUrl = '';
  /** What the open tunnel was opened with: its messages depend on it (a reserved domain, the bind address). */
  private request: TunnelRequest | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryAttempt = 0;
  /** Tries to open the tunnel since it was last online (or closed): each one says its number. */
  private tries = 0;
  /** When the scheduled retry (ours, or the tunnel's own reconnection) starts: the window counts down to it. */
  private nextTryAt: number | null = null;
  /** Why the tunnel last failed, while it is being tried again: the message keeps saying it. */
  private lastFailure: string | null = null;
  /** The last public URL StackState may have been given; forgotten by Stop & clean up. */
  private lastUrl: string | null = null;

  constructor(private readonly options: TunnelKeeperOptions) {}

  get status(): TunnelStatus {
    return this.current;
  }

  /** When the next automatic try starts (epoch ms), while one is scheduled. */
  get retryAt(): number | null {
    return this.nextTryAt;
  }

  /** The tunnel failed because ngrok refused the authtoken: only then is the token to blame. */
  get authtokenRefused(): boolean {
    return this.current.state === 'error' && blamesAuthtoken(this.current.code);
  }

  /** Shown while reconnecting: the URL already pasted into StackState (and kept by a reserved domain). */
  get lastPublicUrl(): string | null {
    return this.lastUrl;
  }

  /**
   * The URL StackState should use: the public one; while reconnecting, the last one (already pasted,
   * and kept by a reserved domain); with no tunnel, the local one; none while connecting.
   */
  urlToPaste(phase: SessionPhase, localUrl: string | null): string | null {
    const publicUrl = this.current.state === 'online' ? this.current.publicUrl : null;
    if (publicUrl) return publicUrl;
    if (phase === 'reconnecting') return this.lastUrl;
    return phase === 'local' || phase === 'tunnel-error' ? localUrl : null;
  }

  forgetPublicUrl(): void {
    this.lastUrl = null;
  }

  /** Opens a tunnel to the mirror; resolves once it is online or has failed (then retried, if worth it). */
  async open(): Promise<void> {
    const { hooks, factory } = this.options;
    const request = hooks.request();
    if (!request) return;
    const { plan, target, localUrl } = request;
    this.request = request;
    if (plan.kind === 'ngrok' && plan.authtoken === null) {
      hooks.phase(
        'local',
        `The mirror runs locally at ${localUrl}. To let a remote StackState reach it, add your ngrok authtoken ` +
          '(from https://dashboard.ngrok.com/get-started/your-authtoken) in Settings or with NGROK_AUTHTOKEN, ' +
          'or choose the tunnel "none" if StackState runs in Docker on this machine.',
      );
      return;
    }
    const tunnel = factory(plan);
    this.tunnel = tunnel;
    this.localUrl = localUrl;
    this.nextTryAt = null;
    tunnel.on('status', (status) => this.onStatus(tunnel, status));
    // The phase and the status say the same from the first event on, before the tunnel reports.
    this.tries++;
    this.current = { state: 'connecting', attempt: this.tries };
    if (this.lastFailure === null) hooks.phase('connecting', `Opening the ${tunnel.kind} tunnel…`);
    else {
      // Trying again after a failure: the phase stays, so the local URL stays on screen, usable.
      hooks.phase(
        'tunnel-error',
        `${this.lastFailure} Trying again now (attempt ${this.tries}); meanwhile the mirror keeps serving locally at ${localUrl}.`,
      );
    }
    this.opening = tunnel;
    try {
      await tunnel.open({ target });
      // The 'online' status event has set the phase.
    } catch (error) {
      if (this.tunnel !== tunnel) return; // closed while connecting
      if (error instanceof TunnelError) this.failed(tunnel, error.code, error.message, error.retryable);
      else this.failed(tunnel, 'TUNNEL_FAILED', `The tunnel failed: ${(error as Error).message}`, false);
    } finally {
      if (this.opening === tunnel) this.opening = null;
    }
  }

  /**
   * "Try again": closes the tunnel (if any) and opens it again at once, whatever retry was scheduled.
   * The mirror is left alone, so its port and local URL stay as they are. Run it in the session's queue.
   */
  async retryNow(): Promise<void> {
    const failure = this.lastFailure ?? (this.current.state === 'error' ? this.current.message : null);
    const tunnel = this.tunnel;
    this.cancelRetry();
    this.tunnel = null;
    if (tunnel) await tunnel.close(1000).catch(() => undefined);
    this.lastFailure = failure;
    await this.open();
  }

  /** Closes the tunnel (killing its process if need be) and cancels any retry; the step says how it went. */
  async close(): Promise<CleanupStep> {
    this.cancelRetry();
    this.retryAttempt = 0;
    this.tries = 0;
    this.lastFailure = null;
    const tunnel = this.tunnel;
    this.tunnel = null;
    this.current = { state: 'closed' };
    if (!tunnel) return { what: 'Tunnel closed', ok: true, detail: 'No tunnel was open.' };
    try {
      await tunnel.close(3000);
      return { what: 'Tunnel closed', ok: true, detail: TUNNEL_CLOSED_DETAIL[tunnel.kind] };
    } catch (error) {
      return { what: 'Tunnel closed', ok: false, detail: (error as Error).message };
    }
  }

  /**
   * The tunnel could not open, or gave up reconnecting. Where trying again may help (no network
   * yet, a time-out), it is tried again with back-off, as a laptop's Wi-Fi comes back; otherwise
   * the message says what to change.
   */
  private failed(tunnel: Tunnel, code: string, message: string, retryable: boolean): void {
    this.current = { state: 'error', code, message, retryable };
    this.lastFailure = message;
    const local = `the mirror keeps serving locally at ${this.localUrl}`;
    if (!retryable) {
      this.nextTryAt = null;
      this.options.hooks.phase('tunnel-error', `${message} Meanwhile ${local}.`);
      return;
    }
    const { initialDelayMillis, maxDelayMillis } = this.options.retry;
    const delay = Math.min(maxDelayMillis, initialDelayMillis * 2 ** this.retryAttempt);
    this.retryAttempt++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.retry(tunnel), delay);
    this.retryTimer.unref();
    // The time goes out as `retryAt`, which the window counts down; the sentence stays true meanwhile.
    this.nextTryAt = Date.now() + delay;
    this.options.hooks.phase(
      'tunnel-error',
      `${message} It is tried again automatically; meanwhile ${local}.`,
    );
  }

  private cancelRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.nextTryAt = null;
  }

  private retry(failed: Tunnel): void {
    this.retryTimer = null;
    this.nextTryAt = null;
    if (this.tunnel !== failed) return;
    this.tunnel = null;
    void this.options.hooks.serialise(async () => {
      await failed.close(1000).catch(() => undefined);
      if (this.tunnel === null) void this.open();
    });
  }

  private onStatus(tunnel: Tunnel, status: TunnelStatus): void {
    if (this.tunnel !== tunnel) return; // a tunnel closed or replaced since
    this.current = status;
    const { phase } = this.options.hooks;
    switch (status.state) {
      case 'online':
        this.retryAttempt = 0;
        this.tries = 0;
        this.lastFailure = null;
        this.nextTryAt = null;
        this.online(tunnel, status.publicUrl);
        break;
      case 'reconnecting':
        this.nextTryAt = Date.now() + status.retryInMillis;
        phase(
          'reconnecting',
          `${status.message} Reconnecting (attempt ${status.attempt}); the mirror keeps serving locally.`,
        );
        break;
      case 'error':
        // A failed open() is reported by open(), from its exception; this is a reconnection given up.
        if (this.opening !== tunnel)
          this.failed(tunnel, status.code, status.message, status.retryable ?? false);
        break;
      case 'connecting':
        // A new attempt after a drop is still "reconnecting" to the user: the URL they pasted stays.
        if (this.opening !== tunnel) {
          this.nextTryAt = null;
          phase(
            'reconnecting',
            `Reconnecting the tunnel (attempt ${status.attempt}); the mirror keeps serving locally.`,
          );
        }
        break;
      case 'closed':
        break;
    }
  }

  private online(tunnel: Tunnel, publicUrl: string): void {
    const { phase, notice } = this.options.hooks;
    // Without a reserved domain, every ngrok session gets a new URL: StackState must be told.
    const moved = this.lastUrl !== null && this.lastUrl !== publicUrl;
    this.lastUrl = publicUrl;
    if (moved) {
      const update = `${movedSentence(tunnel.kind, publicUrl)} Update the Mirror URL of the data source in StackState (Settings → Telemetry Sources → Mirror sources).${
        tunnel.kind !== 'none' && !this.request?.plan.domain
          ? ' A reserved ngrok domain in Settings keeps it stable.'
          : ''
      }`;
      phase('online', `Online at a new URL. ${update}`);
      notice(update);
    } else phase('online', this.onlineSentence(tunnel.kind, publicUrl));
  }

  /** The online phase's usual sentence, true for the tunnel kind and where the mirror listens. */
  private onlineSentence(kind: Tunnel['kind'], publicUrl: string): string {
    if (kind !== 'none') return `Online: StackState can reach the mirror at ${publicUrl}`;
    const host = this.request?.mirrorHost ?? '';
    return isLoopback(host)
      ? `StackState in Docker is to call the mirror at ${publicUrl}, but the mirror listens on ${host} only: see the warning below.`
      : `StackState in Docker on this machine can reach the mirror at ${publicUrl}`;
  }

  /**
   * After a change that did not touch the tunnel (a time-out saved): a one-off sentence of the online
   * phase ("Online at a new URL…") has had its say; the usual one comes back.
   */
  restate(): void {
    const status = this.current;
    if (status.state === 'online' && this.tunnel)
      this.options.hooks.phase('online', this.onlineSentence(this.tunnel.kind, status.publicUrl));
  }
}

/** What changed when the URL StackState calls did, in the tunnel's terms. */
function movedSentence(kind: Tunnel['kind'], publicUrl: string): string {
  return kind === 'none'
    ? `The mirror's port changed: StackState in Docker now calls it at ${publicUrl}.`
    : `The public URL changed to ${publicUrl}.`;
}
