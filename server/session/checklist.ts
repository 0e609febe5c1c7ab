// The first-run checklist: how far StackState has got with this mirror. Only exchanges that came
// from elsewhere (through the tunnel, or over the network) count; requests from this machine and
// the app's own (self-test, replay) do not, or the checklist would tick itself.
import type { Milestones, RequestOrigin } from '../contract/contract';
import type { MirrorExchange } from '../protocol/exchange';
import { isLoopback } from './loopback';
import { SELF_REQUEST_HEADER } from './self-test';

/** Where an exchange came from, and the caller's address as the log shows it. */
export interface ExchangeOrigin {
  origin: RequestOrigin;
  remoteAddress: string;
}

/**
 * Tunnel traffic arrives on the mirror's tunnel-only port, from the tunnel's own process: its real
 * caller is in X-Forwarded-For. Other traffic is local or network by its peer address.
 */
export function originOf(exchange: MirrorExchange, tunnelPort: number | null): ExchangeOrigin {
  const origin: RequestOrigin =
    tunnelPort !== null && exchange.localPort === tunnelPort
      ? 'tunnel'
      : isLoopback(exchange.remoteAddress)
        ? 'local'
        : 'network';
  // The last entry is the one the tunnel's edge added; earlier ones are whatever the client sent.
  const forwardedFor = headerValue(exchange.headers, 'x-forwarded-for')?.split(',').at(-1)?.trim();
  const remoteAddress = origin === 'tunnel' && forwardedFor ? forwardedFor : exchange.remoteAddress;
  return { origin, remoteAddress };
}

/** The first value of a request header (Node gives repeated headers as an array). */
export function headerValue(headers: MirrorExchange['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const notReached = (): Milestones => ({
  mirrorRunning: null,
  tunnelOnline: null,
  firstRemoteRequest: null,
  firstTestConnection: null,
  firstFieldLookup: null,
  firstMetricQuery: null,
});

export class Checklist {
  private reached = notReached();

  /** A copy, for the state. */
  get milestones(): Milestones {
    return { ...this.reached };
  }

  /** Ticks a milestone the first time only; true if it was new. */
  mark(name: keyof Milestones, at = Date.now()): boolean {
    if (this.reached[name] !== null) return false;
    this.reached[name] = at;
    return true;
  }

  /** Ticks what a successful exchange from StackState shows it has reached; true if that was new. */
  tickFrom(exchange: MirrorExchange, origin: RequestOrigin, at = Date.now()): boolean {
    const fromElsewhere = origin !== 'local' && !headerValue(exchange.headers, SELF_REQUEST_HEADER);
    if (!fromElsewhere) return false;
    // Any answer proves the caller reached the mirror; the steps below need a successful one.
    const reached = this.mark('firstRemoteRequest', at);
    if (exchange.status >= 400) return reached;
    switch (exchange.operation) {
      case 'connection':
        return this.mark('firstTestConnection', at) || reached;
      case 'fieldNames':
      case 'fieldValues':
        return this.mark('firstFieldLookup', at) || reached;
      case 'metrics':
        return this.mark('firstMetricQuery', at) || reached;
      default:
        return reached;
    }
  }

  /** Forgets every milestone (Stop & clean up): the next run starts the checklist afresh. */
  reset(): void {
    this.reached = notReached();
  }
}
