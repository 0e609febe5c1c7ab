// The orchestrator: mirror + tunnel + request log as one state machine with events.
// The UI (through the control API), the tray and the headless output all subscribe to it.
// The tunnel failing never takes the mirror down: the session falls back to serving locally.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { isIP } from 'node:net';
import { clip } from './clip';
import type {
  CleanupOptions,
  CleanupReport,
  CleanupStep,
  IncidentRequest,
  LogEntry,
  Milestones,
  RequestOrigin,
  SelfTestResult,
  SessionPhase,
  SessionState,
  SettingsPatch,
} from './control/contract';
import type { MirrorExchange } from './mirror/exchange';
import { type RunningMirror, startMirror } from './mirror/listen';
import { isPortFree } from './ports';
import { RequestLog } from './request-log';
import { runSelfTest, SELF_REQUEST_HEADER } from './self-test';
import { checkSetting, generateApiKey, type Settings, type SettingsStore } from './settings';
import { createTelemetrySource } from './telemetry';
import type { Incident, TelemetrySource } from './telemetry/source';
import { NETWORK_EXPOSURE_WARNING } from './tunnel/none';
import { createDefaultTunnel, type TunnelFactory, type TunnelPlan } from './tunnel/plan';
import { type Tunnel, TunnelError, type TunnelStatus } from './tunnel/tunnel';
import { APP_NAME, APP_VERSION } from './version';

export const REMAINING_IN_STACKSTATE = [
  'Remove the stream: open the component → Telemetry → the stream you added → … → Delete.',
  'Remove the Mirror data source: Settings → Telemetry Sources → Mirror sources → the data source → Delete.',
];

/** Each active incident is checked on every metric query: a few are plenty to watch a check react. */
export const MAX_ACTIVE_INCIDENTS = 10;

/** Settings the running mirror or tunnel was started with: changing one restarts them. */
const RESTART_FIELDS = [
  'mirrorPort',
  'mirrorHost',
  'tunnel',
  'ngrokAuthtoken',
  'ngrokDomain',
  'allowCidrs',
] as const;

const TUNNEL_CLOSED_DETAIL: Record<Tunnel['kind'], string> = {
  ngrok: 'The ngrok tunnel is closed and its helper process has exited.',
  none: 'There was no tunnel to close: StackState reached the mirror directly.',
  'local-forwarder': 'The local forwarder is closed.',
};

export interface SessionOptions {
  store: SettingsStore;
  /** Overrides for this run only (command-line options); they are not saved. */
  overrides?: Partial<Pick<Settings, 'mirrorPort' | 'mirrorHost' | 'apiKey' | 'profile' | 'tunnel'>> & {
    ngrokDomain?: string;
    allowCidrs?: string[];
  };
  /** Builds the tunnel; tests pass a local stand-in. */
  tunnelFactory?: TunnelFactory;
  env?: NodeJS.ProcessEnv;
  /** How soon a tunnel that could not open (no network, a time-out) is tried again. */
  tunnelRetry?: TunnelRetryPolicy;
}

export interface TunnelRetryPolicy {
  initialDelayMillis: number;
  maxDelayMillis: number;
}

export const DEFAULT_TUNNEL_RETRY: TunnelRetryPolicy = { initialDelayMillis: 5000, maxDelayMillis: 60_000 };

interface SessionEvents {
  state: [SessionState];
  /** Plain-language notices (settings repaired, token saved…) for the headless output and notifications. */
  notice: [string];
}

const emptyMilestones = (): Milestones => ({
  mirrorRunning: null,
  tunnelOnline: null,
  firstTestConnection: null,
  firstFieldLookup: null,
  firstMetricQuery: null,
});

export class MirrorSession extends EventEmitter<SessionEvents> {
  readonly log = new RequestLog();
  /** What loading the settings had to repair; said once the UI is up (no one listens during create). */
  startupWarnings: string[] = [];
  private settings!: Settings;
  private source!: TelemetrySource;
  private mirror: RunningMirror | null = null;
  private tunnel: Tunnel | null = null;
  private phase: SessionPhase = 'stopped';
  private message = 'Stopped.';
  private tunnelStatus: TunnelStatus = { state: 'closed' };
  private milestones = emptyMilestones();
  private incidents: Incident[] = [];
  private lastCleanup: CleanupReport | null = null;
  private revision = 0;
  private networkWarning: string | null = null;
  private readonly pendingReplays = new Map<string, (entry: LogEntry) => void>();
  /** Serialises start/stop/cleanup so two clicks never interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  private overrides: NonNullable<SessionOptions['overrides']>;
  private readonly retry: TunnelRetryPolicy;
  private retryTimer: NodeJS.Timeout | null = null;
  private retryAttempt = 0;
  /** The tunnel whose first open() is under way: its failure comes as an exception, not a status. */
  private opening: Tunnel | null = null;
  /** The last public URL StackState may have been given; forgotten by Stop & clean up. */
  private lastPublicUrl: string | null = null;
  private readonly tunnelFactory: TunnelFactory;
  private readonly env: NodeJS.ProcessEnv;

  private constructor(private readonly options: SessionOptions) {
    super();
    this.overrides = { ...options.overrides };
    this.retry = options.tunnelRetry ?? DEFAULT_TUNNEL_RETRY;
    this.tunnelFactory = options.tunnelFactory ?? createDefaultTunnel;
    this.env = options.env ?? process.env;
  }

  /** Loads the settings (repairing them if needed) and returns a stopped session. */
  static async create(options: SessionOptions): Promise<MirrorSession> {
    const session = new MirrorSession(options);
    const { settings, warnings } = await options.store.load();
    session.settings = settings;
    session.source = createTelemetrySource(session.effective.profile);
    session.startupWarnings = warnings;
    return session;
  }

  // ---------- what the UI sees ----------

  get state(): SessionState {
    const effective = this.effective;
    const token = this.authtoken;
    const publicUrl = this.tunnelStatus.state === 'online' ? this.tunnelStatus.publicUrl : null;
    const localUrl = this.mirror ? this.mirror.localUrl : null;
    return {
      revision: this.revision,
      phase: this.phase,
      message: this.message,
      mirror: {
        localUrl,
        port: this.mirror?.port ?? null,
        host: this.bindHost,
        networkWarning: this.networkWarning,
      },
      tunnel: { kind: effective.tunnel, status: this.tunnelStatus, publicUrl },
      connection: {
        mirrorUrl: this.urlToPaste(publicUrl, localUrl),
        apiKey: effective.apiKey,
        connectionDetails: '{}',
      },
      profile: effective.profile,
      settings: {
        mirrorPort: this.settings.mirrorPort,
        mirrorHost: this.settings.mirrorHost,
        profile: this.settings.profile,
        tunnel: this.settings.tunnel,
        ngrokDomain: this.settings.ngrokDomain,
        allowCidrs: [...this.settings.allowCidrs],
        hasAuthtoken: token !== null,
        authtokenHint: token === null ? null : `…${token.slice(-4)}`,
        location: this.options.store.location,
        encryptsSecrets: this.options.store.encryptsSecrets,
      },
      milestones: { ...this.milestones },
      incidents: this.activeIncidents(),
      catalog: this.source.catalog(),
      lastCleanup: this.lastCleanup,
      appVersion: APP_VERSION,
    };
  }

  // ---------- actions ----------

  /** Starts the mirror; the tunnel then opens in the background and its progress arrives as state events. */
  start(): Promise<SessionState> {
    return this.serialise(() => this.startNow());
  }

  stop(): Promise<SessionState> {
    return this.serialise(async () => {
      await this.teardown();
      this.setPhase('stopped', 'Stopped. Nothing is listening.');
      return this.state;
    });
  }

  /** Stops everything, checks that it is gone, forgets what was asked, and says what is left to do in StackState. */
  cleanup(options: CleanupOptions = {}): Promise<CleanupReport> {
    return this.serialise(async () => {
      const mirror = this.mirror;
      const steps: CleanupStep[] = [];
      this.setPhase('stopping', 'Stopping and cleaning up…');
      try {
        await this.closeTunnel(steps, true);
        await this.closeMirror(steps);
        const listeners = mirror
          ? [
              { name: 'Mirror port', port: mirror.port, host: mirror.host },
              { name: 'Tunnel-only port', port: mirror.tunnelPort, host: '127.0.0.1' },
            ]
          : [];
        for (const { name, port, host } of listeners) {
          const free = await isPortFree(port, host);
          steps.push({
            what: `${name} ${port} is free`,
            ok: free,
            detail: free ? 'Nothing listens on it any more.' : 'Something still listens on it.',
          });
        }
        const cleared = this.log.size;
        this.log.clear();
        steps.push({ what: 'Request log cleared', ok: true, detail: `${cleared} exchanges forgotten.` });
        this.incidents = [];
        this.source.setIncidents([]);
        this.milestones = emptyMilestones();
        this.lastPublicUrl = null;
        if (options.forgetSettings) {
          await attempt(steps, 'Settings forgotten', async () => {
            await this.options.store.clear();
            const { settings } = await this.options.store.load();
            this.settings = settings;
            this.switchProfile();
            return 'Settings, API key and authtoken reset to defaults.';
          });
        } else if (options.forgetAuthtoken) {
          await attempt(steps, 'ngrok authtoken forgotten', async () => {
            const had = this.settings.ngrokAuthtoken !== null;
            await this.saveSettings({ ...this.settings, ngrokAuthtoken: null });
            return had ? 'The saved authtoken was deleted.' : 'No authtoken was saved.';
          });
          if (this.env.NGROK_AUTHTOKEN) {
            steps.push({
              what: 'NGROK_AUTHTOKEN is still set',
              ok: false,
              detail:
                'The environment variable NGROK_AUTHTOKEN still holds a token; unset it to forget it too.',
            });
          }
        }
      } catch (error) {
        // Whatever broke, the session must not stay 'stopping': report it and end stopped, ready to Start.
        steps.push({ what: 'Clean-up', ok: false, detail: `Stopped early: ${(error as Error).message}` });
      }
      const report: CleanupReport = { at: Date.now(), steps, remainingInStackState: REMAINING_IN_STACKSTATE };
      this.lastCleanup = report;
      const failed = steps.filter((step) => !step.ok).map((step) => step.what);
      this.setPhase(
        'stopped',
        failed.length === 0
          ? 'Stopped and cleaned up. Now remove the stream and the Mirror data source in StackState.'
          : `Stopped, but these clean-up steps need a look: ${failed.join('; ')} (see the report).`,
      );
      return report;
    });
  }

  /** Validates and saves a change of settings, then restarts what the change needs. */
  updateSettings(patch: SettingsPatch): Promise<SessionState> {
    return this.serialise(async () => {
      const problems = Object.entries(patch)
        .map(([field, value]) => [field, checkSetting(field, value)] as const)
        .filter(([, problem]) => problem !== null)
        .map(([field, problem]) => `${field} ${problem}`);
      if (problems.length > 0) throw new ActionError(problems.join('; '));
      const before = { ...this.effective, ngrokAuthtoken: this.authtoken };
      // A setting changed in the UI wins over the command-line option that set it for this run.
      this.overrides = Object.fromEntries(
        Object.entries(this.overrides).filter(([field]) => !(field in patch)),
      );
      await this.saveSettings({ ...this.settings, ...patch });
      if (patch.profile !== undefined) this.switchProfile();
      const after = { ...this.effective, ngrokAuthtoken: this.authtoken };
      const needsRestart = RESTART_FIELDS.some(
        (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
      );
      if (needsRestart && this.mirror) {
        await this.teardown();
        await this.startNow();
      } else {
        this.changed();
      }
      if (patch.ngrokAuthtoken) this.emit('notice', 'The ngrok authtoken was saved.');
      return this.state;
    });
  }

  regenerateApiKey(): Promise<SessionState> {
    return this.serialise(async () => {
      await this.saveSettings({ ...this.settings, apiKey: generateApiKey() });
      if (this.overrides.apiKey) {
        this.emit('notice', 'A new API key was saved, but --api-key overrides it for this run.');
      }
      this.changed();
      return this.state;
    });
  }

  startIncident(request: IncidentRequest): SessionState {
    const catalog = this.source.catalog();
    if (!catalog.metrics.includes(request.metric))
      throw new ActionError(`unknown metric "${clip(request.metric, 80)}"`);
    for (const [field, value] of Object.entries(request.series)) {
      // Own keys only: a series named `constructor` is not a dimension, whatever Object.prototype says.
      const values = Object.hasOwn(catalog.dimensions, field) ? catalog.dimensions[field] : undefined;
      if (!values?.includes(value))
        throw new ActionError(`unknown series ${clip(field, 80)} = ${clip(value, 80)}`);
    }
    if (this.activeIncidents().length >= MAX_ACTIVE_INCIDENTS) {
      throw new ActionError(
        `at most ${MAX_ACTIVE_INCIDENTS} incidents can run at once; end one (or all) before starting another`,
      );
    }
    if (!(request.durationMinutes > 0 && request.durationMinutes <= 24 * 60)) {
      throw new ActionError('durationMinutes must be between 0 and 1440');
    }
    const now = Date.now();
    this.incidents = [
      ...this.activeIncidents(),
      {
        id: `incident-${now}-${randomUUID().slice(0, 8)}`,
        series: request.series,
        metric: request.metric,
        startMillis: now,
        durationMillis: request.durationMinutes * 60_000,
        factor: request.factor ?? 3,
      },
    ];
    this.source.setIncidents(this.incidents);
    // Say when it ends, so every view drops it without polling.
    setTimeout(() => this.changed(), request.durationMinutes * 60_000 + 100).unref();
    this.changed();
    return this.state;
  }

  endIncidents(): SessionState {
    this.incidents = [];
    this.source.setIncidents([]);
    this.changed();
    return this.state;
  }

  /** Calls Test Connection through the URL StackState would use, and checks the answer and its key header. */
  async selfTest(timeoutMillis = 10_000): Promise<SelfTestResult> {
    const mirrorUrl = this.state.connection.mirrorUrl;
    if (!mirrorUrl || !this.mirror) {
      return {
        ok: false,
        url: null,
        status: null,
        durationMillis: null,
        keyHeaderMatches: false,
        message: 'The mirror is not running.',
      };
    }
    return runSelfTest({
      mirrorUrl,
      localUrl: this.mirror.localUrl,
      apiKey: this.effective.apiKey,
      timeoutMillis,
    });
  }

  /** Sends a logged request again to the local mirror; the new exchange lands in the log. */
  async replay(id: number, timeoutMillis = 15_000): Promise<LogEntry> {
    const entry = this.log.find(id);
    if (!entry) throw new ActionError(`no logged request with id ${id}`);
    if (entry.requestTruncated)
      throw new ActionError('that request body was cut short in the log, so it cannot be replayed exactly');
    if (!this.mirror) throw new ActionError('the mirror is not running');
    // The logged URL is whatever the client sent (an absolute form, `/\host`…): only its path and
    // query are replayed, and only to this mirror.
    const local = new URL(this.mirror.localUrl);
    const target = new URL(entry.url.replace(/^[/\\]+/, '/'), local);
    if (target.origin !== local.origin)
      throw new ActionError('that request was not addressed to this mirror');
    // The replayed exchange is found by a one-off marker, not by timing: other requests may arrive meanwhile.
    const marker = `replay-${id}-${randomUUID()}`;
    let timer: NodeJS.Timeout | undefined;
    const recorded = new Promise<LogEntry>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new ActionError('the mirror did not answer the replay in time')),
        timeoutMillis,
      );
      this.pendingReplays.set(marker, resolve);
    });
    try {
      const response = await fetch(target, {
        method: entry.method,
        headers: { 'content-type': 'application/json', [SELF_REQUEST_HEADER]: marker },
        body: entry.method === 'GET' || entry.method === 'HEAD' ? undefined : entry.requestBody,
        signal: AbortSignal.timeout(timeoutMillis),
      });
      await response.arrayBuffer();
      return await recorded;
    } finally {
      clearTimeout(timer);
      this.pendingReplays.delete(marker);
    }
  }

  /** Stops everything; used on quit and on SIGINT. Never throws. */
  async shutdown(): Promise<void> {
    await this.serialise(() => this.teardown()).catch(() => undefined);
    this.setPhase('stopped', 'Stopped.');
  }

  // ---------- internals ----------

  /**
   * The URL StackState should use: the public one; while reconnecting, the last one (already pasted,
   * and kept by a reserved domain); with no tunnel, the local one; none while connecting.
   */
  private urlToPaste(publicUrl: string | null, localUrl: string | null): string | null {
    if (publicUrl) return publicUrl;
    if (this.phase === 'reconnecting') return this.lastPublicUrl;
    return this.phase === 'local' || this.phase === 'tunnel-error' ? localUrl : null;
  }

  /** Settings for this run: saved settings with the command-line overrides on top. */
  private get effective(): Settings {
    const { ngrokDomain, allowCidrs, ...rest } = this.overrides;
    return {
      ...this.settings,
      ...rest,
      ...(ngrokDomain === undefined ? {} : { ngrokDomain }),
      ...(allowCidrs === undefined ? {} : { allowCidrs }),
    };
  }

  /** The saved authtoken, else NGROK_AUTHTOKEN. Never leaves the session except into the tunnel. */
  private get authtoken(): string | null {
    return this.settings.ngrokAuthtoken ?? (this.env.NGROK_AUTHTOKEN?.trim() || null);
  }

  /**
   * With no tunnel, StackState in Docker must reach the mirror over the Docker network, so the
   * default loopback address is widened to every interface. An address given on the command line
   * (--host) is taken as meant, and kept.
   */
  private get bindHost(): string {
    const { tunnel, mirrorHost } = this.effective;
    const chosenForThisRun = this.overrides.mirrorHost !== undefined;
    return tunnel === 'none' && isLoopback(mirrorHost) && !chosenForThisRun ? '0.0.0.0' : mirrorHost;
  }

  private async startNow(): Promise<SessionState> {
    if (this.mirror) return this.state;
    this.lastCleanup = null;
    this.setPhase('starting', 'Starting the mirror…');
    const effective = this.effective;
    try {
      this.mirror = await startMirror({
        host: this.bindHost,
        port: effective.mirrorPort,
        source: () => this.source,
        apiKey: () => this.effective.apiKey,
        onExchange: (exchange) => this.record(exchange),
        appInfo: { name: APP_NAME, version: APP_VERSION },
      });
    } catch (error) {
      this.setPhase('error', (error as Error).message);
      return this.state;
    }
    this.milestones.mirrorRunning ??= Date.now();
    this.networkWarning = isLoopback(this.bindHost) ? null : NETWORK_EXPOSURE_WARNING;
    void this.openTunnel();
    return this.state;
  }

  private async openTunnel(): Promise<void> {
    const mirror = this.mirror;
    if (!mirror) return;
    const effective = this.effective;
    const token = this.authtoken;
    if (effective.tunnel === 'ngrok' && token === null) {
      this.setPhase(
        'local',
        `The mirror runs locally at ${mirror.localUrl}. To let a remote StackState reach it, add your ngrok authtoken ` +
          '(from https://dashboard.ngrok.com/get-started/your-authtoken) in Settings or with NGROK_AUTHTOKEN, ' +
          'or choose the tunnel "none" if StackState runs in Docker on this machine.',
      );
      return;
    }
    const plan: TunnelPlan = {
      kind: effective.tunnel,
      authtoken: token,
      domain: effective.ngrokDomain,
      allowCidrs: effective.allowCidrs,
      mirrorPort: mirror.port,
    };
    const tunnel = this.tunnelFactory(plan);
    this.tunnel = tunnel;
    tunnel.on('status', (status) => this.onTunnelStatus(tunnel, status));
    this.setPhase('connecting', `Opening the ${tunnel.kind} tunnel…`);
    this.opening = tunnel;
    try {
      await tunnel.open({ target: { host: '127.0.0.1', port: mirror.tunnelPort } });
      // The 'online' status event has set the phase.
    } catch (error) {
      if (this.tunnel !== tunnel) return; // closed while connecting
      if (error instanceof TunnelError) this.tunnelFailed(tunnel, error.code, error.message, error.retryable);
      else
        this.tunnelFailed(tunnel, 'TUNNEL_FAILED', `The tunnel failed: ${(error as Error).message}`, false);
    } finally {
      if (this.opening === tunnel) this.opening = null;
    }
  }

  /**
   * The tunnel could not open, or gave up reconnecting. The mirror keeps serving locally; where
   * trying again may help (no network yet, a time-out), the session does so with back-off, as a
   * laptop's Wi-Fi comes back; otherwise the message says what to change.
   */
  private tunnelFailed(tunnel: Tunnel, code: string, message: string, retryable: boolean): void {
    this.tunnelStatus = { state: 'error', code, message, retryable };
    const local = `the mirror keeps serving locally at ${this.mirror?.localUrl ?? ''}`;
    if (!retryable) {
      this.setPhase('tunnel-error', `${message} Meanwhile ${local}.`);
      return;
    }
    const delay = Math.min(this.retry.maxDelayMillis, this.retry.initialDelayMillis * 2 ** this.retryAttempt);
    this.retryAttempt++;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.retryTunnel(tunnel), delay);
    this.retryTimer.unref();
    this.setPhase(
      'tunnel-error',
      `${message} Trying again in ${Math.max(1, Math.round(delay / 1000))} s; ${local}.`,
    );
  }

  private retryTunnel(failed: Tunnel): void {
    this.retryTimer = null;
    if (this.tunnel !== failed) return;
    this.tunnel = null;
    void this.serialise(async () => {
      await failed.close(1000).catch(() => undefined);
      if (this.mirror && this.tunnel === null) void this.openTunnel();
    });
  }

  private onTunnelStatus(tunnel: Tunnel, status: TunnelStatus): void {
    if (this.tunnel !== tunnel) return;
    this.tunnelStatus = status;
    switch (status.state) {
      case 'online': {
        this.retryAttempt = 0;
        this.milestones.tunnelOnline ??= Date.now();
        // Without a reserved domain, every ngrok session gets a new URL: StackState must be told.
        const moved = this.lastPublicUrl !== null && this.lastPublicUrl !== status.publicUrl;
        this.lastPublicUrl = status.publicUrl;
        if (moved) {
          const update = `The public URL changed to ${status.publicUrl}: update the Mirror URL of the data source in StackState (Settings → Telemetry Sources → Mirror sources). A reserved ngrok domain in Settings keeps it stable.`;
          this.setPhase('online', `Online at a new URL. ${update}`);
          this.emit('notice', update);
        } else if (tunnel.kind === 'none') {
          this.setPhase(
            'online',
            `Ready: StackState in Docker on this machine can reach the mirror at ${status.publicUrl}`,
          );
        } else {
          this.setPhase('online', `Online: StackState can reach the mirror at ${status.publicUrl}`);
        }
        break;
      }
      case 'reconnecting':
        this.setPhase(
          'reconnecting',
          `${status.message} Reconnecting (attempt ${status.attempt}) in ${Math.round(status.retryInMillis / 1000)} s; the mirror keeps serving locally.`,
        );
        break;
      case 'error':
        // A failed open() is reported by openTunnel, from its exception; this is a reconnection given up.
        if (this.opening !== tunnel)
          this.tunnelFailed(tunnel, status.code, status.message, status.retryable ?? false);
        break;
      case 'connecting':
        // A new attempt after a drop is still "reconnecting" to the user: the URL they pasted stays.
        if (this.opening !== tunnel) {
          this.setPhase(
            'reconnecting',
            `Reconnecting the tunnel (attempt ${status.attempt}); the mirror keeps serving locally.`,
          );
        }
        break;
      case 'closed':
        break;
    }
  }

  private record(exchange: MirrorExchange): void {
    const origin = this.originOf(exchange);
    // The last entry is the one the tunnel's edge added; earlier ones are whatever the client sent.
    const forwardedFor = header(exchange.headers, 'x-forwarded-for')?.split(',').at(-1)?.trim();
    const remoteAddress = origin === 'tunnel' && forwardedFor ? forwardedFor : exchange.remoteAddress;
    const fromStackState =
      origin !== 'local' && !header(exchange.headers, SELF_REQUEST_HEADER) && exchange.status < 400;
    if (fromStackState) {
      const now = Date.now();
      if (exchange.operation === 'connection') this.tickMilestone('firstTestConnection', now);
      if (exchange.operation === 'fieldNames' || exchange.operation === 'fieldValues')
        this.tickMilestone('firstFieldLookup', now);
      if (exchange.operation === 'metrics') this.tickMilestone('firstMetricQuery', now);
    }
    const entry = this.log.append(exchange, origin, remoteAddress);
    const marker = header(exchange.headers, SELF_REQUEST_HEADER);
    if (marker) this.pendingReplays.get(marker)?.(entry);
  }

  private tickMilestone(name: keyof Milestones, at: number): void {
    if (this.milestones[name] !== null) return;
    this.milestones[name] = at;
    this.changed();
  }

  private originOf(exchange: MirrorExchange): RequestOrigin {
    if (this.mirror && exchange.localPort === this.mirror.tunnelPort) return 'tunnel';
    return isLoopback(exchange.remoteAddress) ? 'local' : 'network';
  }

  private switchProfile(): void {
    this.source = createTelemetrySource(this.effective.profile);
    this.source.setIncidents(this.activeIncidents());
  }

  private activeIncidents(): Incident[] {
    const now = Date.now();
    return this.incidents.filter((incident) => incident.startMillis + incident.durationMillis > now);
  }

  private async saveSettings(settings: Settings): Promise<void> {
    await this.options.store.save(settings);
    this.settings = settings;
  }

  private async teardown(): Promise<void> {
    await this.closeTunnel([], false);
    await this.closeMirror([]);
  }

  private async closeTunnel(steps: CleanupStep[], report: boolean): Promise<void> {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.retryAttempt = 0;
    const tunnel = this.tunnel;
    this.tunnel = null;
    this.tunnelStatus = { state: 'closed' };
    if (!tunnel) {
      if (report) steps.push({ what: 'Tunnel closed', ok: true, detail: 'No tunnel was open.' });
      return;
    }
    try {
      await tunnel.close(3000);
      if (report) steps.push({ what: 'Tunnel closed', ok: true, detail: TUNNEL_CLOSED_DETAIL[tunnel.kind] });
    } catch (error) {
      steps.push({ what: 'Tunnel closed', ok: false, detail: (error as Error).message });
    }
  }

  private async closeMirror(steps: CleanupStep[]): Promise<void> {
    const mirror = this.mirror;
    this.mirror = null;
    this.networkWarning = null;
    if (!mirror) return;
    try {
      await mirror.close();
      steps.push({
        what: 'Mirror stopped',
        ok: true,
        detail: `The mirror on port ${mirror.port} is closed.`,
      });
    } catch (error) {
      steps.push({ what: 'Mirror stopped', ok: false, detail: (error as Error).message });
    }
  }

  private setPhase(phase: SessionPhase, message: string): void {
    this.phase = phase;
    this.message = message;
    this.changed();
  }

  /** Every change gets a new revision, so a UI can tell the newer of two states it received. */
  private changed(): void {
    this.revision++;
    this.emit('state', this.state);
  }

  private serialise<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * Runs one clean-up step and records how it went. A step that fails (a settings folder that
 * cannot be written) is reported, never thrown: the other steps still run and the session ends stopped.
 */
async function attempt(steps: CleanupStep[], what: string, step: () => Promise<string>): Promise<void> {
  try {
    steps.push({ what, ok: true, detail: await step() });
  } catch (error) {
    steps.push({ what, ok: false, detail: (error as Error).message });
  }
}

/** An action the user asked for that cannot be done as asked; the control API answers 400 with its message. */
export class ActionError extends Error {
  override name = 'ActionError';
}

function isLoopback(address: string): boolean {
  const bare = address.replace(/^::ffff:/, '');
  return bare === 'localhost' || bare === '::1' || (isIP(bare) === 4 && bare.startsWith('127.'));
}

function header(headers: MirrorExchange['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}
