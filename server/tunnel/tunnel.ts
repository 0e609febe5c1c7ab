// A Tunnel makes the local mirror reachable from StackState. Implementations:
// `ngrok` (in a killable child process), `none` (StackState on this machine), and in tests a
// local TCP forwarder that plays the public URL.
import type { EventEmitter } from 'node:events';

export type TunnelKind = 'ngrok' | 'none';

export type TunnelStatus =
  | { state: 'closed' }
  | { state: 'connecting'; attempt: number }
  | { state: 'online'; publicUrl: string }
  | { state: 'reconnecting'; attempt: number; retryInMillis: number; message: string }
  /** `retryable`: trying again later may work (no network, a time-out); otherwise a setting must change. */
  | { state: 'error'; code: string; message: string; retryable?: boolean };

export interface TunnelOpenOptions {
  /**
   * The mirror's tunnel-only listener (127.0.0.1 and a port of its own), so that the session
   * can tell requests that came through the tunnel from local ones by the port they arrive on.
   */
  target: { host: string; port: number };
}

export interface TunnelEvents {
  status: [TunnelStatus];
}

export interface Tunnel extends EventEmitter<TunnelEvents> {
  readonly kind: TunnelKind | 'local-forwarder';
  readonly status: TunnelStatus;
  /** Resolves once online with the public URL; rejects with a TunnelError if it cannot connect. */
  open(options: TunnelOpenOptions): Promise<string>;
  /** Closes the tunnel; kills its process if it does not close within `timeoutMillis`. */
  close(timeoutMillis?: number): Promise<void>;
}

/** A tunnel failure with a stable code and a sentence that says what to do. */
export class TunnelError extends Error {
  /** Worth trying again later (network, time-out), as opposed to needing the user (bad token, domain). */
  readonly retryable: boolean;

  constructor(
    readonly code: string,
    message: string,
    options: { retryable?: boolean } = {},
  ) {
    super(message);
    this.name = 'TunnelError';
    this.retryable = options.retryable ?? false;
  }
}
