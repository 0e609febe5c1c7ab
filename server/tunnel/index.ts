// The tunnel package: one factory and the public names. (plan.ts maps the session's settings to it.)
import { type LocalForwarderOptions, LocalForwarderTunnel } from './local-forwarder';
import { NgrokTunnel, type NgrokTunnelOptions } from './ngrok';
import { NoTunnel, type NoTunnelOptions } from './none';
import type { Tunnel, TunnelKind } from './tunnel';

export function createTunnel(kind: 'ngrok', options: NgrokTunnelOptions): NgrokTunnel;
export function createTunnel(kind: 'none', options: NoTunnelOptions): NoTunnel;
export function createTunnel(kind: 'local-forwarder', options?: LocalForwarderOptions): LocalForwarderTunnel;
export function createTunnel(
  kind: TunnelKind | 'local-forwarder',
  options?: NgrokTunnelOptions | NoTunnelOptions | LocalForwarderOptions,
): Tunnel;
export function createTunnel(
  kind: TunnelKind | 'local-forwarder',
  options?: NgrokTunnelOptions | NoTunnelOptions | LocalForwarderOptions,
): Tunnel {
  switch (kind) {
    case 'ngrok':
      return new NgrokTunnel(options as NgrokTunnelOptions);
    case 'none':
      return new NoTunnel(options as NoTunnelOptions);
    case 'local-forwarder':
      return new LocalForwarderTunnel(options as LocalForwarderOptions | undefined);
  }
}

export { type LocalForwarderOptions, LocalForwarderTunnel } from './local-forwarder';
export {
  DEFAULT_RECONNECT,
  NgrokTunnel,
  type NgrokTunnelOptions,
  type ReconnectPolicy,
  reconnectDelay,
} from './ngrok';
export { type ChildEntry, resolveNgrokChildEntry } from './ngrok-child-entry';
export {
  AUTHTOKEN_URL,
  describeNgrokError,
  type NgrokErrorDescription,
  TunnelErrorCode,
} from './ngrok-errors';
export { DOCKER_HOST_NAME, NETWORK_EXPOSURE_WARNING, NoTunnel, type NoTunnelOptions } from './none';
export {
  type Tunnel,
  TunnelError,
  type TunnelEvents,
  type TunnelKind,
  type TunnelOpenOptions,
  type TunnelStatus,
} from './tunnel';
