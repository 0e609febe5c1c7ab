// What the session asks of a tunnel, and the default way to build one from it.
// Tests pass their own factory (a local stand-in tunnel), since ngrok's servers are out of reach there.
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

/**
 * The runtime for ngrok's child process. Plain Node by default; the packaged desktop app passes
 * Electron's own binary with ELECTRON_RUN_AS_NODE=1, since it ships no separate node.
 */
export interface ChildRuntime {
  execPath: string;
  env: NodeJS.ProcessEnv;
}

export const createTunnelFactory =
  (childRuntime?: ChildRuntime): TunnelFactory =>
  (plan) =>
    plan.kind === 'none'
      ? new NoTunnel({ mirrorPort: plan.mirrorPort })
      : new NgrokTunnel({
          authtoken: plan.authtoken,
          domain: plan.domain,
          allowCidrs: plan.allowCidrs,
          ...(childRuntime ?? {}),
        });

export const createDefaultTunnel: TunnelFactory = createTunnelFactory();
