// The one typed contract between the session and its UIs (the window, the tray, the headless
// output). The renderer imports this module as types only (plus the route table and LOG_CAPACITY).
import type { ExchangeFinding } from '../protocol/exchange';
import type { Operation } from '../protocol/messages';
import type { DataSourceSetting, dataSourceKindsForUi } from '../telemetry/registry';
import type { Incident } from '../telemetry/source';
import type { TunnelKind, TunnelStatus } from '../tunnel/tunnel';

/** How many exchanges the request log keeps (the oldest go first); the window's list keeps as many. */
export const LOG_CAPACITY = 500;

/**
 * The session's phases:
 * stopped → starting → local (mirror up, no tunnel wanted or none yet) → connecting → online ⇄ reconnecting.
 * `tunnel-error`: the tunnel failed; the mirror keeps serving locally. `error`: the mirror itself could not start.
 */
export const SESSION_PHASES = [
  'stopped',
  'starting',
  'local',
  'connecting',
  'online',
  'reconnecting',
  'tunnel-error',
  'error',
  'stopping',
] as const;
export type SessionPhase = (typeof SESSION_PHASES)[number];

export type { DataSourceSetting };

/** A data-source kind as the Settings form draws it. */
export type DataSourceKindInfo = ReturnType<typeof dataSourceKindsForUi>[number];

/** The three values to paste into StackState's Mirror data source form. */
export interface ConnectionInfo {
  /** The URL StackState should call, or null while there is none yet (tunnel connecting). */
  mirrorUrl: string | null;
  /** Null in front of the user's own mirror ("My own mirror") until its first answer tells its key. */
  apiKey: string | null;
  /** The "Connection details JSON" text, exactly as it should be pasted. */
  connectionDetails: string;
}

/** Where a setting's value for this run comes from: a command-line option (not saved) or the saved settings. */
export type SettingSource = 'command-line' | 'saved';

/** The settings a run takes from the command line as well as from the saved ones. */
export type OverridableSetting =
  | 'mirrorPort'
  | 'mirrorHost'
  | 'apiKey'
  | 'dataSource'
  | 'tunnel'
  | 'requestTimeoutSeconds'
  | 'ngrokDomain'
  | 'allowCidrs';

/** The command-line option that sets each setting for one run, as the user typed its name. */
export const COMMAND_LINE_OPTION: Record<OverridableSetting, string> = {
  mirrorPort: '--port',
  mirrorHost: '--host',
  apiKey: '--api-key',
  dataSource: '--profile',
  tunnel: '--tunnel',
  requestTimeoutSeconds: '--request-timeout',
  ngrokDomain: '--ngrok-domain',
  allowCidrs: '--allow-cidr',
};

/**
 * Settings as the UI may see them: the values in effect for this run (saved, with the command line on
 * top), each with where it comes from. The authtoken never leaves the session, only where it comes from.
 */
export interface PublicSettings {
  mirrorPort: number;
  mirrorHost: string;
  /** The saved data source; secret options show as "(set)". */
  dataSource: DataSourceSetting;
  requestTimeoutSeconds: number;
  tunnel: TunnelKind;
  ngrokDomain: string | null;
  allowCidrs: string[];
  /** Where each value above comes from; a command-line value lasts for this run only. */
  sources: Record<OverridableSetting, SettingSource>;
  /** A token is in effect (saved, or from NGROK_AUTHTOKEN). */
  hasAuthtoken: boolean;
  /** The last four characters of the token in effect, so a user can tell which one it is. */
  authtokenHint: string | null;
  /** Where the token in effect comes from: saved here, or NGROK_AUTHTOKEN (not saved: nothing to forget). */
  authtokenSource: 'saved' | 'environment' | null;
  /** NGROK_AUTHTOKEN is set: forgetting a saved token leaves that one in effect. */
  authtokenInEnvironment: boolean;
  /** Where the settings live, and whether the token is encrypted there. */
  location: string;
  encryptsSecrets: boolean;
}

/** The tutorial's milestones, ticked from what the mirror sees (epoch ms of the first occurrence). */
export interface Milestones {
  mirrorRunning: number | null;
  tunnelOnline: number | null;
  /** The first request of any kind from elsewhere (through the tunnel or the network): StackState got through. */
  firstRemoteRequest: number | null;
  /** The first Test Connection that came from StackState (through the tunnel or the network). */
  firstTestConnection: number | null;
  firstFieldLookup: number | null;
  firstMetricQuery: number | null;
}

/** The mirror's port is taken by another program. */
export interface PortBusy {
  port: number;
  /** "python3 (pid 4242)", or null when the OS would not say. */
  holder: string | null;
  /** The holder's command line, cut to one line, where the OS shows it ("python3 mirror_server.py"). */
  command: string | null;
  /** Another StackState Mirror Tray holds it (it answered as one): stop that one there, or use a free port. */
  heldByThisApp: boolean;
}

export interface SessionState {
  /** Grows with every change: of two states, the one with the higher revision is newer. */
  revision: number;
  phase: SessionPhase;
  /** A plain-language sentence about the phase; on errors it says what to do. */
  message: string;
  mirror: {
    /** The local URL, for curl on this machine, e.g. http://127.0.0.1:7007/ */
    localUrl: string | null;
    port: number | null;
    host: string;
    /**
     * Set when the mirror listens beyond loopback (anyone on the network can query it), or on loopback
     * with the tunnel "none" (StackState in Docker may not reach it).
     */
    networkWarning: string | null;
    /** Set while the mirror cannot start because its port is taken: by what, where the OS says. */
    portBusy: PortBusy | null;
  };
  tunnel: {
    kind: TunnelKind;
    status: TunnelStatus;
    publicUrl: string | null;
    /** When the next automatic try to open the tunnel starts (epoch ms), while one is scheduled. */
    retryAt: number | null;
    /** The tunnel failed because ngrok refused the authtoken (not for want of a network, say). */
    authtokenRefused: boolean;
  };
  connection: ConnectionInfo;
  /** What this run serves: its kind, and the data source in a few words ("Demo data"). */
  dataSource: { kind: string; description: string; exampleFilter: string | null };
  /** Every kind the Settings form can offer, with its options (from the registry). */
  dataSourceKinds: DataSourceKindInfo[];
  settings: PublicSettings;
  milestones: Milestones;
  incidents: Incident[];
  /** Which dimensions and metrics the incident simulator can pick from. */
  catalog: { dimensions: Record<string, string[]>; metrics: string[] };
  /** The result of the last Stop & clean up, shown until the next start. */
  lastCleanup: CleanupReport | null;
  appVersion: string;
}

/** Where a request came from. */
export type RequestOrigin = 'tunnel' | 'network' | 'local';

/** Who made a request: a caller (StackState, curl), or the app itself (a replay, the self-test, a Check run). */
export type RequestPurpose = 'caller' | 'replay' | 'self-test' | 'check';

/** A header as received (request) or sent (response): lower-case name, value cut at the log's bound. */
export type HeaderPair = [name: string, value: string];

/** One exchange with the mirror, as the request log keeps it. Bodies are pretty JSON, truncated. */
export interface LogEntry {
  id: number;
  /** Epoch milliseconds. */
  time: number;
  operation: Operation | null;
  method: string;
  url: string;
  status: number;
  durationMillis: number;
  summary: string;
  resultCount: number | null;
  origin: RequestOrigin;
  /** The caller's address as the tunnel reports it (ngrok's X-Forwarded-For) or the socket's. */
  remoteAddress: string;
  error: string | null;
  /** What the source or the grading of an upstream's answer noted (at most 10, each cut at 300 characters). */
  findings: ExchangeFinding[];
  requestBody: string;
  responseBody: string;
  /** Whether the request body was cut at the log's bound (then it cannot be replayed exactly). */
  requestTruncated: boolean;
  /** Whether the response body was cut at the log's bound. */
  responseTruncated: boolean;
  /** Who made the request; a replay names the entry it replays in `replayOf`. */
  purpose: RequestPurpose;
  replayOf: number | null;
  /** Request headers as received, response headers as sent (X-MIRROR-API-KEY included), in order. */
  requestHeaders: HeaderPair[];
  responseHeaders: HeaderPair[];
  /** Whether the exchange's raw bodies are still kept, in full, at `ROUTES.raw` (within the log's byte budget). */
  rawKept: boolean;
}

/** `GET ROUTES.log`: the entries kept, oldest first, and how many were recorded since start (or the last clear). */
export interface LogSnapshot {
  entries: LogEntry[];
  total: number;
}

/**
 * `GET ROUTES.log[?before=<id>]`, and the event stream's first log frame: the newest entries (older
 * than `before`) within 512 KiB, oldest first. `hasOlder`: the log keeps older ones; ask for them
 * with `before` set to the first entry's id.
 */
export interface LogPage extends LogSnapshot {
  hasOlder: boolean;
}

/** The most event streams open at once; one more is refused with HTTP 503 and `ControlError`. */
export const MAX_EVENT_STREAMS = 32;

/** `GET ROUTES.raw/:id`: the request body as received and the response body as sent, in full. */
export interface RawExchange {
  id: number;
  request: string;
  response: string;
}

export interface CleanupStep {
  what: string;
  ok: boolean;
  detail: string;
}

export interface CleanupReport {
  at: number;
  steps: CleanupStep[];
  /** What the user still has to do in StackState, in order, with where to click. */
  remainingInStackState: string[];
}

export interface SelfTestResult {
  /** StackState would get a good answer at the Mirror URL (only when `reach` is 'as-stackstate'). */
  ok: boolean;
  /** The URL that was called. */
  url: string | null;
  /** The Mirror URL to paste into StackState (may differ from `url`; see `reach`). */
  mirrorUrl: string | null;
  /**
   * 'as-stackstate': the Mirror URL itself was called, as StackState will. 'this-machine': it cannot be
   * called from here (host.docker.internal, a tunnel that is down), so only the mirror itself was checked.
   */
  reach: 'as-stackstate' | 'this-machine';
  status: number | null;
  durationMillis: number | null;
  /** Whether the X-MIRROR-API-KEY header came back and matched. */
  keyHeaderMatches: boolean;
  message: string;
}

/** What the window's "Check a mirror" panel sends: a mirror URL, and optionally the key and details to expect. */
export interface CheckMirrorRequest {
  url: string;
  apiKey?: string;
  /** The "Connection details JSON" text, `{}` when absent. */
  connectionDetails?: string;
}

/** One protocol rule and how the mirror did on it (the checks of `npm run check --json`). */
export interface MirrorCheck {
  id: string;
  title: string;
  status: 'pass' | 'fail' | 'warn';
  detail: string;
}

export type CheckMirrorResult =
  | { reachable: true; checks: MirrorCheck[]; summary: { pass: number; fail: number; warn: number } }
  | { reachable: false; message: string };

/** A change of settings; `ngrokAuthtoken: null` forgets the token, absent leaves it alone. */
export interface SettingsPatch {
  mirrorPort?: number;
  /** A key of the user's choosing (API_KEY_RULE), e.g. the tutorial's `api_key`. */
  apiKey?: string;
  mirrorHost?: string;
  dataSource?: DataSourceSetting;
  requestTimeoutSeconds?: number;
  tunnel?: TunnelKind;
  ngrokAuthtoken?: string | null;
  ngrokDomain?: string | null;
  allowCidrs?: string[];
}

export interface CleanupOptions {
  forgetAuthtoken?: boolean;
  forgetSettings?: boolean;
}

export interface IncidentRequest {
  /** Dimension → value, e.g. `{ host: 'a-host' }`. */
  series: Record<string, string>;
  metric: string;
  durationMinutes: number;
  factor?: number;
}

/** Server-sent events on `ROUTES.events`. Log entries come batched so a busy mirror does not flood the page. */
export type ControlEvent =
  | { type: 'state'; state: SessionState }
  /** `total`: requests recorded since start (or the last clear), including those no longer kept. */
  | { type: 'log'; entries: LogEntry[]; total: number; hasOlder?: boolean }
  | { type: 'log-cleared' }
  /**
   * The page stopped reading for a while (a frozen tab, a suspended laptop) and the server stopped
   * queueing for it: `skipped` log entries were not sent. Reload the log (`ROUTES.log`) and replace the list.
   */
  | { type: 'log-gap'; skipped: number }
  /**
   * The last event before the server ends a stream that stayed stalled too long (`skipped` as above).
   * Reconnect: the new stream starts with the state and the full log.
   */
  | { type: 'stream-end'; skipped: number; reason: string };

/** An error answer from the control API. */
export interface ControlError {
  error: string;
}

/**
 * The control API's routes. Every /control/ route needs the per-launch token, as
 * `Authorization: Bearer <token>` or, for the event stream, `?token=<token>`. The UI's files need
 * none (they hold no data); the page reads its token from its own address.
 */
export const ROUTES = {
  /** GET: the UI (static files). */
  ui: '/',
  /** GET → SessionState */
  state: '/control/state',
  /** GET [?before=<id>] → LogPage: the newest entries (before that id) within 512 KiB */
  log: '/control/log',
  /** GET /control/raw/:id → RawExchange, or 404 once the log's byte budget let it go */
  raw: '/control/raw',
  /** GET: text/event-stream of ControlEvent */
  events: '/control/events',
  /** POST → SessionState */
  start: '/control/start',
  /** POST → SessionState */
  stop: '/control/stop',
  /** POST CleanupOptions → CleanupReport */
  cleanup: '/control/cleanup',
  /** PUT SettingsPatch → SessionState (restarts what the change needs) */
  settings: '/control/settings',
  /** POST → SessionState: closes the tunnel and opens it again now; the mirror keeps its port */
  retryTunnel: '/control/tunnel/retry',
  /** POST → SessionState: starts the mirror on a free port (saved as the mirror port) when its own is taken */
  useFreePort: '/control/mirror/free-port',
  /** POST → SessionState */
  regenerateApiKey: '/control/api-key/regenerate',
  /** POST IncidentRequest → SessionState; DELETE → SessionState (ends all incidents) */
  incidents: '/control/incidents',
  /** POST → SelfTestResult */
  selfTest: '/control/self-test',
  /** POST /control/replay/:id → LogEntry (the new exchange) */
  replay: '/control/replay',
  /** DELETE → { cleared: true } */
  clearLog: '/control/log',
  /** POST CheckMirrorRequest → CheckMirrorResult: `npm run check` from the window */
  checkMirror: '/control/check-mirror',
  /** POST { dataSource } → DataSourceTestResult: Test Connection of a data source as the form has it */
  testDataSource: '/control/data-source/test',
} as const;

/** What Settings → Data source → Test found. */
export interface DataSourceTestResult {
  ok: boolean;
  /** One sentence naming the data source and what it answered (never a secret). */
  message: string;
}

/** What an API key must be: the rule itself, for the window's words and its check as the user types. */
export { API_KEY_CHARACTER, API_KEY_MAX_CHARS, API_KEY_RULE } from '../protocol/api-key';

/** The token's query parameter and header. */
export const TOKEN_QUERY = 'token';
