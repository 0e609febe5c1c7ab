// Realistic SessionState objects for each phase, built from the contract's types, as the session
// would report them (see server/session/mirror-session.ts `get state`).
import type { SessionPhase, SessionState } from '../../server/control/contract';
import { dataSourceKindsForUi } from '../../server/telemetry';
import type { TunnelStatus } from '../../server/tunnel/tunnel';

export const PUBLIC_URL = 'https://mirror-7f3a.ngrok-free.app';
export const LOCAL_URL = 'http://127.0.0.1:7007/';
export const API_KEY = 'mirror-q8X2bJ0aZk1c3VtYp4Rw';

const MESSAGES: Record<SessionPhase, string> = {
  stopped: 'Stopped. Nothing is listening.',
  starting: 'Starting the mirror…',
  local: `The mirror runs locally at ${LOCAL_URL}. To let a remote StackState reach it, add your ngrok authtoken.`,
  connecting: 'Opening the ngrok tunnel…',
  online: `Online: StackState can reach the mirror at ${PUBLIC_URL}`,
  reconnecting:
    'The tunnel dropped (connection reset); reconnecting, attempt 2 in 4 s. The mirror keeps serving locally.',
  'tunnel-error': `The ngrok authtoken was rejected (ERR_NGROK_107): copy it again from https://dashboard.ngrok.com. The mirror keeps serving locally at ${LOCAL_URL}.`,
  error: 'Port 7007 is in use by another program: choose another port in Settings.',
  stopping: 'Stopping and cleaning up…',
};

const TUNNEL: Record<SessionPhase, TunnelStatus> = {
  stopped: { state: 'closed' },
  starting: { state: 'closed' },
  local: { state: 'closed' },
  connecting: { state: 'connecting', attempt: 1 },
  online: { state: 'online', publicUrl: PUBLIC_URL },
  reconnecting: { state: 'reconnecting', attempt: 2, retryInMillis: 4000, message: 'connection reset' },
  'tunnel-error': { state: 'error', code: 'ERR_NGROK_107', message: 'The ngrok authtoken was rejected.' },
  error: { state: 'closed' },
  stopping: { state: 'closed' },
};

const MIRROR_UP: ReadonlySet<SessionPhase> = new Set([
  'local',
  'connecting',
  'online',
  'reconnecting',
  'tunnel-error',
]);

export function stateFor(phase: SessionPhase, changes: Partial<SessionState> = {}): SessionState {
  const up = MIRROR_UP.has(phase);
  const publicUrl = phase === 'online' ? PUBLIC_URL : null;
  const localUrl = up ? LOCAL_URL : null;
  return {
    revision: 1,
    phase,
    message: MESSAGES[phase],
    mirror: { localUrl, port: up ? 7007 : null, host: '127.0.0.1', networkWarning: null },
    tunnel: { kind: 'ngrok', status: TUNNEL[phase], publicUrl },
    connection: {
      mirrorUrl: publicUrl ?? (phase === 'local' || phase === 'tunnel-error' ? localUrl : null),
      apiKey: API_KEY,
      connectionDetails: '{}',
    },
    dataSource: { kind: 'demo', description: 'Demo data' },
    dataSourceKinds: dataSourceKindsForUi(),
    settings: {
      mirrorPort: 7007,
      mirrorHost: '127.0.0.1',
      dataSource: { kind: 'demo' },
      requestTimeoutSeconds: 20,
      tunnel: 'ngrok',
      ngrokDomain: null,
      allowCidrs: [],
      hasAuthtoken: phase !== 'local',
      authtokenHint: phase !== 'local' ? '…x9Qz' : null,
      location: '/home/user/.config/StackState Mirror Tray/settings.json',
      encryptsSecrets: true,
    },
    milestones: {
      mirrorRunning: up ? 1_763_900_000_000 : null,
      tunnelOnline: phase === 'online' || phase === 'reconnecting' ? 1_763_900_002_000 : null,
      firstTestConnection: null,
      firstFieldLookup: null,
      firstMetricQuery: null,
    },
    incidents: [],
    catalog: { dimensions: { host: ['a-host', 'b-host'] }, metrics: ['cpu_usage'] },
    lastCleanup: null,
    appVersion: '0.1.0',
    ...changes,
  };
}
