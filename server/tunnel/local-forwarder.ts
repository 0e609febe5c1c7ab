// A stand-in for ngrok in tests of the session and the UI (ngrok's servers are out of reach there):
// a real TCP forwarder on 127.0.0.1 that pipes each connection to the target and behaves like a
// tunnel (status events, open/close, a drop on demand). By default it forwards bytes and leaves HTTP
// alone; with `forwardedFor` it adds X-Forwarded-For to every request, as ngrok's edge does.
import { EventEmitter } from 'node:events';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';
import type { Tunnel, TunnelEvents, TunnelOpenOptions, TunnelStatus } from './tunnel';
import { TunnelError } from './tunnel';

export interface LocalForwarderOptions {
  /** How long simulateDrop() stays 'reconnecting' before it is 'online' again. */
  dropMillis?: number;
  /**
   * Adds `X-Forwarded-For: <address>` to each HTTP request, as ngrok's edge does: after whatever the
   * client sent, so the LAST entry is the edge's. `address` plays the caller's public address;
   * without it, the caller's own address. Off by default: the bytes are forwarded as they are.
   */
  forwardedFor?: { address?: string };
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
    const forwardedFor = this.options.forwardedFor;
    if (forwardedFor) {
      const address = forwardedFor.address ?? inbound.remoteAddress ?? '127.0.0.1';
      inbound.pipe(new ForwardedForInserter(address)).pipe(outbound);
    } else {
      inbound.pipe(outbound);
    }
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

/** The longest request head looked at; a longer one is passed on untouched (the server refuses it). */
const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

type Framing =
  | { state: 'head' }
  | { state: 'body'; remaining: number }
  | { state: 'chunk-size' }
  | { state: 'chunk-data'; remaining: number }
  | { state: 'trailers' }
  /** Past an upgrade, a CONNECT or a head it could not read: bytes go through as they are. */
  | { state: 'raw' };

/**
 * An HTTP/1.1 request stream with `X-Forwarded-For: <address>` added to each request head. It
 * follows the framing (Content-Length, chunked bodies and their trailers, keep-alive requests one
 * after another), so each head is found and every other byte passes through unchanged.
 */
export class ForwardedForInserter extends Transform {
  #framing: Framing = { state: 'head' };
  #pending: Buffer = Buffer.alloc(0);

  constructor(private readonly address: string) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    this.#pending = Buffer.alloc(0);
    while (data.length > 0) {
      const framing = this.#framing;
      if (framing.state === 'raw') {
        this.push(data);
        break;
      }
      if (framing.state === 'body' || framing.state === 'chunk-data') {
        const take = Math.min(framing.remaining, data.length);
        this.push(data.subarray(0, take));
        data = data.subarray(take);
        framing.remaining -= take;
        if (framing.remaining === 0) {
          this.#framing = framing.state === 'body' ? { state: 'head' } : { state: 'chunk-size' };
        }
        continue;
      }
      const end = data.indexOf(framing.state === 'head' ? HEAD_END : CRLF);
      if (end === -1) {
        if (data.length > MAX_HEAD_BYTES) {
          this.#framing = { state: 'raw' };
          continue;
        }
        this.#pending = data;
        break;
      }
      if (framing.state === 'head') {
        this.push(this.#rewriteHead(data.subarray(0, end).toString('latin1')));
        data = data.subarray(end + HEAD_END.length);
      } else {
        const line = data.subarray(0, end).toString('latin1');
        this.push(data.subarray(0, end + CRLF.length));
        data = data.subarray(end + CRLF.length);
        if (framing.state === 'chunk-size') {
          const size = Number.parseInt(line.split(';')[0]?.trim() ?? '', 16);
          if (Number.isNaN(size)) this.#framing = { state: 'raw' };
          // A chunk's data is followed by its own CRLF; the last chunk (size 0) by the trailers.
          else
            this.#framing = size === 0 ? { state: 'trailers' } : { state: 'chunk-data', remaining: size + 2 };
        } else if (line === '') {
          this.#framing = { state: 'head' };
        }
      }
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.#pending.length > 0) this.push(this.#pending);
    done();
  }

  /** The head with the header added, and the framing of what follows it. */
  #rewriteHead(head: string): Buffer {
    const lines = head.split('\r\n');
    const header = (name: string) =>
      lines
        .slice(1)
        .filter((line) => line.slice(0, line.indexOf(':')).trim().toLowerCase() === name)
        .map((line) => line.slice(line.indexOf(':') + 1).trim());
    const method = lines[0]?.split(' ')[0]?.toUpperCase();
    const chunked = header('transfer-encoding').some((value) => /chunked\s*$/i.test(value));
    const length = Number(header('content-length')[0] ?? '0');
    if (method === 'CONNECT' || header('upgrade').length > 0) this.#framing = { state: 'raw' };
    else if (chunked) this.#framing = { state: 'chunk-size' };
    else if (Number.isSafeInteger(length) && length > 0) this.#framing = { state: 'body', remaining: length };
    else if (Number.isSafeInteger(length)) this.#framing = { state: 'head' };
    else this.#framing = { state: 'raw' };
    // Node joins repeated X-Forwarded-For headers with ", ": this one's address comes last.
    return Buffer.from(`${head}\r\nX-Forwarded-For: ${this.address}\r\n\r\n`, 'latin1');
  }
}
