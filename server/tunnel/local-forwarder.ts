// A stand-in for ngrok in tests of the session and the UI (ngrok's servers are out of reach there):
// a real TCP forwarder on 127.0.0.1 that pipes each connection to the target and behaves like a
// tunnel (status events, open/close, a drop on demand). It forwards bytes and leaves HTTP alone.
import { EventEmitter } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import type { Tunnel, TunnelEvents, TunnelOpenOptions, TunnelStatus } from './tunnel';
import { TunnelError } from './tunnel';

export interface LocalForwarderOptions {
  /** How long simulateDrop() stays 'reconnecting' before it is 'online' again. */
  dropMillis?: number;
}

export class LocalForwarderTunnel extends EventEmitter<TunnelEvents> implements Tunnel {
  readonly kind = 'local-forwarder' as const;
  #status: TunnelStatus = { state: 'closed' };
  #server: Server | null = null;
  #publicUrl: string | null = null;
  #dropped = false;
  readonly #sockets = new Set<Socket>();

  constructor(private readonly options: LocalForwarderOptions = {}) {
    super();
  }

  get status(): TunnelStatus {
    return this.#status;
  }

  /** The forwarder's own port, or null when closed. */
  get port(): number | null {
    const address = this.#server?.address();
    return address && typeof address === 'object' ? address.port : null;
  }

  async open({ target }: TunnelOpenOptions): Promise<string> {
    if (this.#server)
      throw new TunnelError('ERR_TUNNEL_ALREADY_OPEN', 'The local forwarder is already open.');
    this.#setStatus({ state: 'connecting', attempt: 1 });
    const server = createServer((inbound) => this.#forward(inbound, target));
    this.#server = server;
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: '127.0.0.1', port: 0 }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      this.#server = null;
      const message = `The local forwarder could not listen: ${(error as Error).message}`;
      this.#setStatus({ state: 'error', code: 'ERR_TUNNEL_LISTEN', message });
      throw new TunnelError('ERR_TUNNEL_LISTEN', message);
    }
    this.#publicUrl = `http://127.0.0.1:${this.port}/`;
    this.#setStatus({ state: 'online', publicUrl: this.#publicUrl });
    return this.#publicUrl;
  }

  /** Drops every live connection, reports 'reconnecting', then 'online' again, as ngrok does after a blip. */
  async simulateDrop(): Promise<void> {
    if (!this.#server || !this.#publicUrl) throw new Error('simulateDrop() needs an open forwarder');
    const publicUrl = this.#publicUrl;
    const retryInMillis = this.options.dropMillis ?? 50;
    this.#dropped = true;
    this.#destroySockets();
    this.#setStatus({ state: 'reconnecting', attempt: 1, retryInMillis, message: 'simulated drop' });
    await new Promise((resolve) => setTimeout(resolve, retryInMillis));
    this.#dropped = false;
    if (this.#server) this.#setStatus({ state: 'online', publicUrl });
  }

  /** Stops listening and cuts live connections; resolves once the port is free. */
  async close(): Promise<void> {
    const server = this.#server;
    this.#server = null;
    this.#publicUrl = null;
    if (server) {
      this.#destroySockets();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (this.#status.state !== 'closed') this.#setStatus({ state: 'closed' });
  }

  #forward(inbound: Socket, target: TunnelOpenOptions['target']): void {
    // While "dropped", the tunnel is down: refuse as a broken tunnel would.
    if (this.#dropped) {
      inbound.destroy();
      return;
    }
    const outbound = createConnection({ host: target.host, port: target.port });
    for (const socket of [inbound, outbound]) {
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
    }
    inbound.on('error', () => outbound.destroy());
    outbound.on('error', () => inbound.destroy());
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  }

  #destroySockets(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  #setStatus(status: TunnelStatus): void {
    this.#status = status;
    this.emit('status', status);
  }
}
