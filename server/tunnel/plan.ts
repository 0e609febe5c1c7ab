// What the session asks of a tunnel, and the default way to build one from it.
// Tests pass their own factory (a local stand-in tunnel), since ngrok's servers are out of reach there.
// In the desktop app the ngrok child runs on Electron's own binary: `fork` sets ELECTRON_RUN_AS_NODE.
import { NgrokTunnel } from './ngrok';
import { NoTunnel } from './none';
import type { Tunnel, TunnelKind } from './tunnel';

export interface TunnelPlan {
  kind: TunnelKind;
  /** Secret: passed to the ngrok child process over IPC only. */
  authtoken: string | null;
  domain: string | null;
  allowCidrs: string[];
  /** The mirror's main port, for the URL that StackState in Docker uses with the tunnel "none". */
  mirrorPort: number;
}

export type TunnelFactory = (plan: TunnelPlan) => Tunnel;

export const createDefaultTunnel: TunnelFactory = (plan) =>
  plan.kind === 'none'
    ? new NoTunnel({ mirrorPort: plan.mirrorPort })
    : new NgrokTunnel({ authtoken: plan.authtoken, domain: plan.domain, allowCidrs: plan.allowCidrs });
