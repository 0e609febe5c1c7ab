// The ngrok tunnel. `forward()` runs in a child process (see ngrok-child.ts) that this class can
// always kill; this side owns the connect time-out, reconnection with back-off, and turning ngrok's
// errors into sentences. The authtoken goes to the child over IPC and nowhere else.
import { EventEmitter } from 'node:events';
import { withoutSecretVariables } from '../child-env';
import { writeNgrokChildOutput } from './child-output';
import { type ChildEntry, resolveNgrokChildEntry } from './ngrok-child-entry';
import { type ChildExit, NgrokChildProcess } from './ngrok-child-process';
import {
  childExitedMessage,
  describeNgrokError,
  TunnelErrorCode,
  timeoutMessage,
  toTunnelError,
} from './ngrok-errors';
import { type ChildMessage, type NgrokChildConfig, redact } from './ngrok-protocol';
import {
  type Tunnel,
  TunnelError,
  type TunnelEvents,
  type TunnelOpenOptions,
  type TunnelStatus,
} from './tunnel';

export interface ReconnectPolicy {
  /** The wait before the first retry; it doubles with each attempt. */
  initialDelayMillis: number;
  maxDelayMillis: number;
  /** Retries after a drop before giving up with status 'error'. */
  maxAttempts: number;
}

export const DEFAULT_RECONNECT: ReconnectPolicy = {
  initialDelayMillis: 1000,
  maxDelayMillis: 30_000,
  maxAttempts: 10,
};

/** Exponential back-off, capped, and without jitter, so that tests (and users) can predict it. */
export const reconnectDelay = (attempt: number, policy: ReconnectPolicy): number =>
  Math.min(policy.maxDelayMillis, policy.initialDelayMillis * 2 ** Math.max(0, attempt - 1));

export interface NgrokTunnelOptions {
  /** Secret. null: use NGROK_AUTHTOKEN from `env`; with neither, open() fails with ERR_NGROK_4018. */
  authtoken: string | null;
  /** A domain reserved on the ngrok account, so the URL survives restarts. */
  domain?: string | null;
  /** Only these source ranges may use the public URL (ngrok's IP restriction). */
  allowCidrs?: string[];
  /** How long one connection attempt may take before its child is killed. */
  connectTimeoutMillis?: number;
  reconnect?: Partial<ReconnectPolicy>;
  /** The child script; by default the built ngrok-child.js next to the bundle, else the .ts source. */
  childEntry?: ChildEntry;
  /** The child's environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** ngrok's ingress address, for a custom agent ingress; tests point it at a silent local server. */
  serverAddr?: string | null;
  /** Raw output of the child; by default redacted and passed to writeNgrokChildOutput (child-output.ts). */
  onChildOutput?: (text: string, stream: 'stdout' | 'stderr') => void;
  /** Between SIGTERM and SIGKILL when a child has to be killed. */
  killGraceMillis?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MILLIS = 20_000;
const DEFAULT_KILL_GRACE_MILLIS = 500;

const cancelled = () => new TunnelError(TunnelErrorCode.cancelled, 'Opening the ngrok tunnel was cancelled.');

const asTunnelError = (error: unknown, secrets: string[]): TunnelError =>
  error instanceof TunnelError
    ? error
    : new TunnelError(
        TunnelErrorCode.unknown,
        `The ngrok tunnel failed: ${redact(error instanceof Error ? error.message : String(error), secrets)}`,
      );

export class NgrokTunnel extends EventEmitter<TunnelEvents> implements Tunnel {
  readonly kind = 'ngrok' as const;
  #status: TunnelStatus = { state: 'closed' };
  #child: NgrokChildProcess | null = null;
  #target: TunnelOpenOptions['target'] | null = null;
  #publicUrl: string | null = null;
  /** Aborted by close(): cancels a pending open, a back-off wait and a reconnection attempt. */
  #lifetime: AbortController | null = null;
  #closing: Promise<void> | null = null;
  /** The lifetime whose reconnection loop is running, so that one drop starts one loop. */
  #reconnectingFor: AbortSignal | null = null;
  /** Set during a back-off wait: the SDK got its session back by itself, so no new child is needed. */
  #onSdkRecovered: (() => void) | null = null;
  readonly #policy: ReconnectPolicy;
  readonly #connectTimeoutMillis: number;
  readonly #killGraceMillis: number;
  readonly #env: NodeJS.ProcessEnv;
  readonly #secrets: string[];

  constructor(private readonly options: NgrokTunnelOptions) {
    super();
    this.#policy = { ...DEFAULT_RECONNECT, ...options.reconnect };
    this.#connectTimeoutMillis = options.connectTimeoutMillis ?? DEFAULT_CONNECT_TIMEOUT_MILLIS;
    this.#killGraceMillis = options.killGraceMillis ?? DEFAULT_KILL_GRACE_MILLIS;
    this.#env = options.env ?? process.env;
    this.#secrets = [options.authtoken, this.#env.NGROK_AUTHTOKEN].filter(
      (secret): secret is string => typeof secret === 'string' && secret.length > 0,
    );
  }

  get status(): TunnelStatus {
    return this.#status;
  }

  /** The live child's process id, for diagnostics and tests; null when there is none. */
  get childPid(): number | null {
    return this.#child?.pid ?? null;
  }

  async open(options: TunnelOpenOptions): Promise<string> {
    if (this.#closing) await this.#closing;
    if (this.#status.state !== 'closed' && this.#status.state !== 'error') {
      throw new TunnelError(TunnelErrorCode.alreadyOpen, 'The ngrok tunnel is already open or opening.');
    }
    if (this.#authtoken() === null && !this.#env.NGROK_AUTHTOKEN?.trim()) {
      // Checked here, before forking: without a token ngrok would only say so after a round trip.
      const error = toTunnelError(describeNgrokError(TunnelErrorCode.noAuthtoken, ''));
      this.#setStatus({
        state: 'error',
        code: error.code,
        message: error.message,
        retryable: error.retryable,
      });
      throw error;
    }
    this.#target = options.target;
    this.#lifetime?.abort(); // what is left of a lifetime that ended in 'error'
    const lifetime = new AbortController();
    this.#lifetime = lifetime;
    this.#setStatus({ state: 'connecting', attempt: 1 });
    try {
      const url = await this.#connect(lifetime.signal);
      this.#setStatus({ state: 'online', publicUrl: url });
      return url;
    } catch (error) {
      const failure = asTunnelError(error, this.#secrets);
      // A cancelled open belongs to close(), which reports 'closed' itself.
      if (failure.code !== TunnelErrorCode.cancelled) {
        this.#setStatus({
          state: 'error',
          code: failure.code,
          message: failure.message,
          retryable: failure.retryable,
        });
      }
      throw failure;
    }
  }

  close(timeoutMillis = 3000): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#status.state === 'closed' && !this.#child) return Promise.resolve();
    this.#closing = (async () => {
      this.#lifetime?.abort();
      this.#lifetime = null;
      const child = this.#child;
      this.#child = null;
      await child?.stop(timeoutMillis, this.#killGraceMillis);
      this.#publicUrl = null;
      this.#setStatus({ state: 'closed' });
    })().finally(() => {
      this.#closing = null;
    });
    return this.#closing;
  }

  // ---------- one connection attempt ----------

  #authtoken(): string | null {
    return this.options.authtoken?.trim() || null;
  }

  #childConfig(): NgrokChildConfig {
    const target = this.#target;
    if (!target) throw new Error('open() sets the target before connecting');
    return {
      authtoken: this.#authtoken(),
      addr: `${target.host}:${target.port}`,
      domain: this.options.domain?.trim() || null,
      allowCidrs: this.options.allowCidrs ?? [],
      serverAddr: this.options.serverAddr ?? null,
    };
  }

  #writeChildOutput = (text: string, stream: 'stdout' | 'stderr'): void => {
    if (this.options.onChildOutput) this.options.onChildOutput(text, stream);
    else writeNgrokChildOutput(redact(text, this.#secrets), stream);
  };

  /** Forks a child and resolves with its public URL; on any failure the child is gone before it rejects. */
  async #connect(signal: AbortSignal): Promise<string> {
    if (signal.aborted) throw cancelled();
    const child = NgrokChildProcess.spawn({
      entry: this.options.childEntry ?? resolveNgrokChildEntry(),
      env: childEnvironment(this.#env),
      onOutput: this.#writeChildOutput,
    });
    this.#child = child;
    try {
      const url = await this.#waitForOnline(child, signal);
      this.#publicUrl = url;
      this.#watch(child);
      return url;
    } catch (error) {
      await child.kill(this.#killGraceMillis);
      if (this.#child === child) this.#child = null;
      throw error;
    }
  }

  #waitForOnline(child: NgrokChildProcess, signal: AbortSignal): Promise<string> {
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          settle(
            new TunnelError(TunnelErrorCode.timeout, timeoutMessage(this.#connectTimeoutMillis), {
              retryable: true,
            }),
          ),
        this.#connectTimeoutMillis,
      );
      const onMessage = (message: ChildMessage) => {
        if (message.type === 'online') settle(message.url);
        else if (message.type === 'error') {
          settle(toTunnelError(describeNgrokError(message.code, redact(message.message, this.#secrets))));
        }
      };
      const onExit = (exit: ChildExit) =>
        settle(
          new TunnelError(TunnelErrorCode.childExited, childExitedMessage(exit.code, exit.signal), {
            retryable: true,
          }),
        );
      const onAbort = () => settle(cancelled());
      const settle = (outcome: string | TunnelError) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        signal.removeEventListener('abort', onAbort);
        if (typeof outcome === 'string') resolve(outcome);
        else reject(outcome);
      };
      child.on('message', onMessage);
      child.on('exit', onExit);
      signal.addEventListener('abort', onAbort);
      child.send({ type: 'start', config: this.#childConfig() });
    });
  }

  // ---------- after being online ----------

  /** Watches an online child: a drop reported by the SDK, or the child dying, starts a reconnection. */
  #watch(child: NgrokChildProcess): void {
    child.on('message', (message) => {
      if (this.#child !== child || message.type !== 'status') return;
      if (message.status === 'disconnected' && this.#status.state === 'online') {
        void this.#reconnect('ngrok lost the connection to its servers.');
      } else if (message.status === 'connected') {
        this.#onSdkRecovered?.();
      }
    });
    child.on('exit', (exit) => {
      if (this.#child !== child) return; // ended on purpose
      this.#child = null;
      void this.#reconnect(childExitedMessage(exit.code, exit.signal));
    });
  }

  async #reconnect(initialReason: string): Promise<void> {
    const signal = this.#lifetime?.signal;
    if (!signal || signal.aborted || this.#reconnectingFor === signal) return;
    this.#reconnectingFor = signal;
    let reason = initialReason;
    let lastError: TunnelError | null = null;
    try {
      for (let attempt = 1; attempt <= this.#policy.maxAttempts; attempt++) {
        const delay = reconnectDelay(attempt, this.#policy);
        this.#setStatus({ state: 'reconnecting', attempt, retryInMillis: delay, message: reason });
        const waited = await this.#backOff(delay, signal);
        if (waited === 'aborted') return;
        if (waited === 'recovered' && this.#publicUrl) {
          this.#setStatus({ state: 'online', publicUrl: this.#publicUrl });
          return;
        }
        // The SDK did not get its session back in time (or its process died): start afresh.
        const stale = this.#child;
        this.#child = null;
        await stale?.kill(this.#killGraceMillis);
        if (signal.aborted) return;
        this.#setStatus({ state: 'connecting', attempt });
        try {
          const url = await this.#connect(signal);
          this.#setStatus({ state: 'online', publicUrl: url });
          return;
        } catch (error) {
          lastError = asTunnelError(error, this.#secrets);
          if (signal.aborted || lastError.code === TunnelErrorCode.cancelled) return;
          reason = lastError.message;
          if (!lastError.retryable) break;
        }
      }
      const final = lastError ?? new TunnelError(TunnelErrorCode.network, reason);
      this.#setStatus({
        state: 'error',
        code: final.code,
        message: final.message,
        retryable: final.retryable,
      });
    } finally {
      if (this.#reconnectingFor === signal) this.#reconnectingFor = null;
    }
  }

  /** Waits `millis`, unless the SDK recovers by itself first or close() aborts. */
  #backOff(millis: number, signal: AbortSignal): Promise<'elapsed' | 'recovered' | 'aborted'> {
    return new Promise((resolve) => {
      const finish = (outcome: 'elapsed' | 'recovered' | 'aborted') => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        this.#onSdkRecovered = null;
        resolve(outcome);
      };
      const timer = setTimeout(() => finish('elapsed'), millis);
      const onAbort = () => finish('aborted');
      signal.addEventListener('abort', onAbort);
      this.#onSdkRecovered = this.#child ? () => finish('recovered') : null;
    });
  }

  #setStatus(status: TunnelStatus): void {
    this.#status = status;
    this.emit('status', status);
  }
}

/**
 * The child's environment: this app's, less the variables that name a secret (the data source's
 * password, bearer token, secret headers), but with NGROK_AUTHTOKEN, which the child may read.
 */
function childEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept = withoutSecretVariables(env);
  if (env.NGROK_AUTHTOKEN !== undefined) kept.NGROK_AUTHTOKEN = env.NGROK_AUTHTOKEN;
  return kept;
}
