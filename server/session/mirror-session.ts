// The orchestrator: mirror + tunnel + request log as one state machine with events. The parts it
// wires each do one job (tunnel-keeper, checklist, incident-board, cleanup, replay, run-settings);
// this class owns the phase, the mirror's lifetime and the queue that keeps actions in turn.
// The UI (through the control API), the tray and the headless output all subscribe to it.
// The tunnel failing never takes the mirror down: the session falls back to serving locally.
import { EventEmitter } from 'node:events';
import type {
  CleanupOptions,
  CleanupReport,
  CleanupStep,
  DataSourceTestResult,
  IncidentRequest,
  LogEntry,
  PortBusy,
  SelfTestResult,
  SessionPhase,
  SessionState,
  SettingsPatch,
} from '../contract/contract';
import { MirrorListenError, type RunningMirror, startMirror, TUNNEL_HOST } from '../mirror/listen';
import type { MirrorExchange } from '../protocol/exchange';
import type { SettingsStore } from '../settings/settings';
import type { DataSourceSetting } from '../telemetry';
import { createDefaultTunnel, type TunnelFactory } from '../tunnel/plan';
import { APP_NAME, APP_VERSION } from '../version';
import { ActionError } from './action-error';
import { ActionQueue } from './action-queue';
import { Checklist, headerValue, originOf } from './checklist';
import { type CleanupParts, cleanUp, cleanupMessage, stopMirror } from './cleanup';
import { testDataSource } from './data-source-test';
import { IncidentBoard } from './incident-board';
import { portBusy, portBusyMessage } from './port-busy';
import { Replayer } from './replay';
import { RequestLog } from './request-log';
import { RunSettings, type SettingsOverrides } from './run-settings';
import { mirrorNotRunning, runSelfTest, SELF_REQUEST_HEADER } from './self-test';
import { sessionStateOf } from './state-view';
import { SessionTelemetry } from './telemetry';
import {
  DEFAULT_TUNNEL_RETRY,
  TunnelKeeper,
  type TunnelPhase,
  type TunnelRequest,
  type TunnelRetryPolicy,
} from './tunnel-keeper';
import { upstreamLoopProblem } from './upstream-loop';

export interface SessionOptions {
  store: SettingsStore;
  /** Overrides for this run only (command-line options); they are not saved. */
  overrides?: SettingsOverrides;
  /** Builds the tunnel; tests pass a local stand-in. */
  tunnelFactory?: TunnelFactory;
  env?: NodeJS.ProcessEnv;
  /** How soon a tunnel that could not open (no network, a time-out) is tried again. */
  tunnelRetry?: TunnelRetryPolicy;
}

interface SessionEvents {
  state: [SessionState];
  /** Plain-language notices (settings repaired, token saved…) for the headless output and notifications. */
  notice: [string];
}

export class MirrorSession extends EventEmitter<SessionEvents> {
  readonly log = new RequestLog();
  /** What loading the settings had to repair; said once the UI is up (no one listens during create). */
  startupWarnings: string[] = [];
  private mirror: RunningMirror | null = null;
  /**
   * The port the mirror last ran on. With the port setting 0 ("any free port") a restart asks for
   * this one again first, so a Mirror URL already pasted into StackState keeps working.
   */
  private lastPort: number | null = null;
  private phase: SessionPhase = 'stopped';
  private message = 'Stopped.';
  private revision = 0;
  private lastCleanup: CleanupReport | null = null;
  private readonly queue = new ActionQueue();
  private readonly checklist = new Checklist();
  private readonly replays = new Replayer(this.log);
  private readonly telemetry: SessionTelemetry;
  /** The upstream's key as the last state showed it: learning a new one is a state change. */
  private shownApiKey: string | null = null;
  private readonly incidents: IncidentBoard;
  private readonly tunnels: TunnelKeeper;
  /** Why the last start failed, when it was the port being taken (cleared by the next start). */
  private portBusy: PortBusy | null = null;

  private constructor(
    private readonly settings: RunSettings,
    options: SessionOptions,
  ) {
    super();
    this.telemetry = new SessionTelemetry(settings.dataSource);
    // An incident that ends by itself is a change of state: every view drops it without polling.
    this.incidents = new IncidentBoard(this.telemetry, () => this.changed());
    this.tunnels = new TunnelKeeper({
      factory: options.tunnelFactory ?? createDefaultTunnel,
      retry: options.tunnelRetry ?? DEFAULT_TUNNEL_RETRY,
      hooks: {
        request: () => this.tunnelRequest(),
        phase: (phase, message) => this.onTunnelPhase(phase, message),
        notice: (notice) => this.emit('notice', notice),
        serialise: (task) => this.serialise(task),
      },
    });
  }

  /** Loads the settings (repairing them if needed) and returns a stopped session. */
  static async create(options: SessionOptions): Promise<MirrorSession> {
    const { settings, warnings } = await RunSettings.load(options);
    const session = new MirrorSession(settings, options);
    session.startupWarnings = warnings;
    return session;
  }

  // ---------- what the UI sees ----------

  get state(): SessionState {
    return sessionStateOf({
      revision: this.revision,
      phase: this.phase,
      message: this.message,
      mirror: this.mirror,
      portBusy: this.portBusy,
      lastCleanup: this.lastCleanup,
      settings: this.settings,
      tunnels: this.tunnels,
      telemetry: this.telemetry,
      checklist: this.checklist,
      incidents: this.incidents,
    });
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
      const parts = this.cleanupParts();
      this.setPhase('stopping', 'Stopping and cleaning up…');
      const report = await cleanUp(parts, options);
      this.lastCleanup = report;
      this.setPhase('stopped', cleanupMessage(report));
      return report;
    });
  }

  /** Validates and saves a change of settings, then restarts what the change needs. */
  updateSettings(patch: SettingsPatch): Promise<SessionState> {
    return this.serialise(async () => {
      const loop = this.upstreamLoop(patch.dataSource, patch.mirrorPort);
      if (loop) throw new ActionError(`dataSource: ${loop}`);
      const { needsRestart } = await this.settings.update(patch);
      if (patch.dataSource !== undefined) this.switchDataSource();
      // A mirror that could not start (a port in use) is started again by the change that may fix it.
      if (needsRestart && (this.mirror || this.phase === 'error')) {
        await this.teardown();
        await this.startNow();
      } else {
        this.tunnels.restate();
        this.changed();
      }
      if (patch.ngrokAuthtoken) this.emit('notice', 'The ngrok authtoken was saved.');
      return this.state;
    });
  }

  /** "Use a free port" when the mirror's port is taken; that port is saved, so the Mirror URL stays next time. */
  useFreePort(): Promise<SessionState> {
    return this.serialise(async () => {
      if (this.mirror) return this.state;
      const started = (await this.startNow(0)).mirror.port;
      if (started !== null) this.emit('notice', await this.settings.adoptPort(started));
      return this.state;
    });
  }

  /** "Try again" after a tunnel failure: the tunnel only. The mirror keeps its port, so no pasted URL changes. */
  retryTunnel(): Promise<SessionState> {
    return this.serialise(async () => {
      if (!this.mirror) return this.startNow();
      await this.tunnels.retryNow();
      return this.state;
    });
  }

  regenerateApiKey(): Promise<SessionState> {
    return this.serialise(async () => {
      await this.settings.regenerateApiKey();
      this.changed();
      return this.state;
    });
  }

  startIncident(request: IncidentRequest): SessionState {
    this.incidents.start(request);
    this.changed();
    return this.state;
  }

  endIncidents(): SessionState {
    this.incidents.clear();
    this.changed();
    return this.state;
  }

  /**
   * Calls Test Connection at the Mirror URL StackState is given, and checks the answer and its key
   * header. Where that URL cannot be called from here (host.docker.internal; a tunnel that is down,
   * which leaves only the local URL), it says what it called instead and what that proves.
   */
  async selfTest(timeoutMillis = 10_000): Promise<SelfTestResult> {
    const state = this.state;
    const mirrorUrl = state.connection.mirrorUrl;
    if (!mirrorUrl || !this.mirror) return mirrorNotRunning(state.message);
    const { localUrl } = this.mirror;
    // With the ngrok tunnel wanted but not online, the URL on screen is the local one: StackState
    // elsewhere cannot use it, whatever this machine gets from it.
    const tunnelDown = state.tunnel.kind === 'ngrok' && state.tunnel.publicUrl === null;
    // "My own mirror" before its first answer has no key yet (null): the self-test then sends none.
    const apiKey = () => this.state.connection.apiKey ?? '';
    return this.replays.asSelfTest((marker) =>
      runSelfTest({ mirrorUrl, localUrl, tunnelDown, apiKey, timeoutMillis, marker }),
    );
  }

  /**
   * Runs a Check (the window's Check tab) with a marker header on its requests: those that reach this
   * app's own mirror are logged as "check", not as a caller's, and can be filtered out.
   */
  asCheckRun<T>(run: (headers: Record<string, string>) => Promise<T>): Promise<T> {
    return this.replays.asOwnRun('check', (marker) => run({ [SELF_REQUEST_HEADER]: marker }));
  }

  /** Test Connection of a data source as the Settings form has it: its unchanged secrets are the saved ones. */
  async testDataSource(fromWindow: DataSourceSetting): Promise<DataSourceTestResult> {
    const loop = this.upstreamLoop(fromWindow);
    if (loop) return { ok: false, message: loop };
    return testDataSource(this.settings.withSavedSecrets(fromWindow));
  }

  /** Why an upstream ("My own mirror") setting would lead back to this app, or null. */
  private upstreamLoop(setting: DataSourceSetting | undefined, newPort?: number): string | null {
    if (setting?.kind !== 'upstream' || typeof setting.url !== 'string') return null;
    const ports = [this.mirror?.port, this.mirror?.tunnelPort, newPort ?? this.settings.effective.mirrorPort];
    return upstreamLoopProblem(setting.url, {
      ports: ports.filter((port): port is number => typeof port === 'number' && port > 0),
      publicUrl: this.state.tunnel.publicUrl,
    });
  }

  /** Sends a logged request again to the local mirror; the new exchange lands in the log. */
  replay(id: number, timeoutMillis = 15_000): Promise<LogEntry> {
    return this.replays.replay(id, this.mirror?.localUrl ?? null, timeoutMillis);
  }

  /** Stops everything; used on quit and on SIGINT. Never throws. */
  async shutdown(): Promise<void> {
    await this.serialise(() => this.teardown()).catch(() => undefined);
    this.setPhase('stopped', 'Stopped.');
  }

  // ---------- internals ----------

  private async startNow(configured = this.settings.effective.mirrorPort): Promise<SessionState> {
    if (this.mirror) return this.state;
    this.lastCleanup = null;
    this.setPhase('starting', 'Starting the mirror…');
    try {
      this.mirror = await this.listen(
        configured === 0 && this.lastPort !== null ? this.lastPort : configured,
      );
    } catch (error) {
      const taken = error instanceof MirrorListenError && error.code === 'EADDRINUSE';
      if (configured === 0 && taken) this.mirror = await this.listen(0).catch(() => null);
      if (!this.mirror) {
        this.portBusy = taken ? await portBusy(configured) : null;
        const why = this.portBusy ? portBusyMessage(this.portBusy) : (error as Error).message;
        this.setPhase('error', `The mirror is not running: ${why}`);
        return this.state;
      }
    }
    this.portBusy = null;
    this.lastPort = this.mirror.port;
    this.checklist.mark('mirrorRunning');
    void this.tunnels.open();
    return this.state;
  }

  private listen(port: number): Promise<RunningMirror> {
    return startMirror({
      host: this.settings.bindHost,
      port,
      source: () => this.telemetry.source,
      apiKey: () => this.settings.effective.apiKey,
      deadlineMillis: () => this.settings.deadlineMillis,
      onExchange: (exchange) => this.record(exchange),
      appInfo: { name: APP_NAME, version: APP_VERSION },
    });
  }

  /** What the tunnel keeper opens: the current settings, to this mirror's tunnel-only port. */
  private tunnelRequest(): TunnelRequest | null {
    const mirror = this.mirror;
    if (!mirror) return null;
    const target = { host: TUNNEL_HOST, port: mirror.tunnelPort };
    return {
      plan: this.settings.tunnelPlan(mirror.port),
      target,
      localUrl: mirror.localUrl,
      mirrorHost: mirror.host,
    };
  }

  private onTunnelPhase(phase: TunnelPhase, message: string): void {
    // Ticked before the state goes out, so the 'online' state already shows it.
    if (phase === 'online') this.checklist.mark('tunnelOnline');
    this.setPhase(phase, message);
  }

  private record(exchange: MirrorExchange): void {
    const { origin, remoteAddress } = originOf(exchange, this.mirror?.tunnelPort ?? null);
    const keyLearned = this.telemetry.learnedApiKey() !== this.shownApiKey;
    if (this.checklist.tickFrom(exchange, origin) || keyLearned) this.changed();
    const marker = headerValue(exchange.headers, SELF_REQUEST_HEADER);
    const entry = this.log.append(exchange, origin, remoteAddress, this.replays.makerOf(marker));
    this.replays.recorded(marker, entry);
  }

  private switchDataSource(): void {
    this.telemetry.switchTo(this.settings.dataSource, this.incidents.active());
  }

  private cleanupParts(): CleanupParts {
    return {
      mirror: this.mirror,
      closeTunnel: () => this.tunnels.close(),
      closeMirror: () => this.closeMirror(),
      log: this.log,
      forgetRun: () => {
        this.incidents.clear();
        this.checklist.reset();
        this.tunnels.forgetPublicUrl();
        this.lastPort = null;
      },
      forgetSettings: async () => {
        await this.settings.reset();
        this.switchDataSource();
      },
      forgetAuthtoken: () => this.settings.forgetAuthtoken(),
      authtokenInEnvironment: this.settings.authtokenInEnvironment,
    };
  }

  private async teardown(): Promise<void> {
    await this.tunnels.close();
    await this.closeMirror();
  }

  private async closeMirror(): Promise<CleanupStep | null> {
    const mirror = this.mirror;
    this.mirror = null;
    return mirror ? stopMirror(mirror) : null;
  }

  private setPhase(phase: SessionPhase, message: string): void {
    this.phase = phase;
    this.message = message;
    this.changed();
  }

  /** Every change gets a new revision, so a UI can tell the newer of two states it received. */
  private changed(): void {
    this.shownApiKey = this.telemetry.learnedApiKey();
    this.revision++;
    this.emit('state', this.state);
  }

  private serialise<T>(task: () => Promise<T>): Promise<T> {
    return this.queue.run(task);
  }
}
