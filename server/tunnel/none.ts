// The tunnel "none": StackState runs on this machine (in Docker), so nothing needs to go through
// the internet. StackState's containers reach the host as host.docker.internal, on the mirror's
// MAIN port. For that the session binds the mirror on 0.0.0.0 instead of 127.0.0.1, which makes it
// reachable from the network too: the session shows NETWORK_EXPOSURE_WARNING while it does.
import { EventEmitter } from 'node:events';
import type { Tunnel, TunnelEvents, TunnelOpenOptions, TunnelStatus } from './tunnel';

export const NETWORK_EXPOSURE_WARNING =
  'The mirror listens on all network interfaces (0.0.0.0) so that StackState in Docker can reach it: ' +
  'other computers on this network can reach it too. Use it on a trusted network, or block the port in the firewall.';

export const DOCKER_HOST_NAME = 'host.docker.internal';

/** The mirror kept on a loopback address (--host 127.0.0.1) with the tunnel "none": a warning, not a promise. */
export const dockerLoopbackWarning = (host: string): string =>
  `The mirror listens on ${host} only. StackState in Docker calls ${DOCKER_HOST_NAME}, which reaches this machine's ${host} with Docker Desktop but not with Docker on Linux. Start without --host (with the tunnel "none" the mirror then listens on all interfaces) if StackState cannot reach it.`;

export interface NoTunnelOptions {
  /** The mirror's main port (not the tunnel-only one): that is where Docker's StackState connects. */
  mirrorPort: number;
  /** How StackState's containers name this machine. */
  host?: string;
}

export class NoTunnel extends EventEmitter<TunnelEvents> implements Tunnel {
  readonly kind = 'none' as const;
  #status: TunnelStatus = { state: 'closed' };

  constructor(private readonly options: NoTunnelOptions) {
    super();
  }

  get status(): TunnelStatus {
    return this.#status;
  }

  /** Nothing to connect: resolves at once with the URL StackState in Docker uses. */
  async open(_options?: TunnelOpenOptions): Promise<string> {
    const publicUrl = `http://${this.options.host ?? DOCKER_HOST_NAME}:${this.options.mirrorPort}/`;
    this.#setStatus({ state: 'online', publicUrl });
    return publicUrl;
  }

  async close(): Promise<void> {
    if (this.#status.state !== 'closed') this.#setStatus({ state: 'closed' });
  }

  #setStatus(status: TunnelStatus): void {
    this.#status = status;
    this.emit('status', status);
  }
}
