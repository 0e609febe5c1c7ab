// The session: one state machine over the mirror, the tunnel and the request log, built from
// parts with one job each (see mirror-session.ts). Importers use this entry only.
export { ActionError } from './action-error';
export { REMAINING_IN_STACKSTATE } from './cleanup';
export { MAX_ACTIVE_INCIDENTS } from './incident-board';
export { MirrorSession, type SessionOptions } from './mirror-session';
export { DEFAULT_TUNNEL_RETRY, type TunnelRetryPolicy } from './tunnel-keeper';
