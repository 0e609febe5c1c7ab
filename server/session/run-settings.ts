// The settings for this run: the saved ones with the command-line overrides on top, the authtoken
// (saved, else NGROK_AUTHTOKEN), and the address the mirror binds. Saving goes through here, so the
// session always holds what the store holds.
import type { OverridableSetting, PublicSettings, SettingSource, SettingsPatch } from '../contract/contract';
import {
  checkSetting,
  generateApiKey,
  type Settings,
  type SettingsOverrides,
  type SettingsStore,
} from '../settings/settings';
import { type DataSourceSetting, publicDataSource, withSavedSecrets } from '../telemetry/registry';
import type { TunnelPlan } from '../tunnel/plan';
import { ActionError } from './action-error';
import { isLoopback } from './loopback';

export type { SettingsOverrides } from '../settings/settings';

/** Settings the running mirror or tunnel was started with: changing one restarts them. */
/** The settings a command-line option can set for one run (see COMMAND_LINE_OPTION). */
const OVERRIDABLE: readonly OverridableSetting[] = [
  'mirrorPort',
  'mirrorHost',
  'apiKey',
  'dataSource',
  'tunnel',
  'requestTimeoutSeconds',
  'ngrokDomain',
  'allowCidrs',
];

const RESTART_FIELDS = [
  'mirrorPort',
  'mirrorHost',
  'tunnel',
  'ngrokAuthtoken',
  'ngrokDomain',
  'allowCidrs',
] as const;

export class RunSettings {
  private overrides: SettingsOverrides;

  private constructor(
    private readonly store: SettingsStore,
    private saved: Settings,
    overrides: SettingsOverrides,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.overrides = { ...overrides };
  }

  /** Loads the saved settings, repairing them if needed; `warnings` says what was repaired. */
  static async load(options: {
    store: SettingsStore;
    overrides?: SettingsOverrides | undefined;
    /** Where NGROK_AUTHTOKEN is read; process.env unless given. */
    env?: NodeJS.ProcessEnv | undefined;
  }): Promise<{ settings: RunSettings; warnings: string[] }> {
    const { store, overrides = {}, env = process.env } = options;
    const { settings, warnings } = await store.load();
    return { settings: new RunSettings(store, settings, overrides, env), warnings };
  }

  /**
   * Saved settings with the command-line overrides on top. Composed once per change, not per
   * read: every mirror request reads the API key and the deadline through here.
   */
  get effective(): Settings {
    this.composed ??= this.compose();
    return this.composed;
  }

  private composed: Settings | null = null;

  private compose(): Settings {
    const { ngrokDomain, allowCidrs, ...rest } = this.overrides;
    return {
      ...this.saved,
      ...rest,
      ...(ngrokDomain === undefined ? {} : { ngrokDomain }),
      ...(allowCidrs === undefined ? {} : { allowCidrs }),
    };
  }

  /** Which data source this run serves. */
  get dataSource(): DataSourceSetting {
    return this.effective.dataSource;
  }

  /** How long a data source may take per request, in milliseconds. */
  get deadlineMillis(): number {
    return this.effective.requestTimeoutSeconds * 1000;
  }

  /** The saved authtoken, else NGROK_AUTHTOKEN. Never leaves the session except into the tunnel. */
  get authtoken(): string | null {
    return this.saved.ngrokAuthtoken ?? this.environmentAuthtoken;
  }

  /** Where the token in effect comes from. */
  get authtokenSource(): PublicSettings['authtokenSource'] {
    if (this.saved.ngrokAuthtoken !== null) return 'saved';
    return this.environmentAuthtoken === null ? null : 'environment';
  }

  /** NGROK_AUTHTOKEN is set: forgetting the saved token leaves that one. */
  get authtokenInEnvironment(): boolean {
    return this.environmentAuthtoken !== null;
  }

  private get environmentAuthtoken(): string | null {
    return this.env.NGROK_AUTHTOKEN?.trim() || null;
  }

  /**
   * With no tunnel, StackState in Docker must reach the mirror over the Docker network, so the
   * default loopback address is widened to every interface. An address given on the command line
   * (--host) is taken as meant, and kept.
   */
  get bindHost(): string {
    const { tunnel, mirrorHost } = this.effective;
    const chosenForThisRun = this.overrides.mirrorHost !== undefined;
    return tunnel === 'none' && isLoopback(mirrorHost) && !chosenForThisRun ? '0.0.0.0' : mirrorHost;
  }

  /** The tunnel to open for this run, to a mirror whose main port is `mirrorPort`. */
  tunnelPlan(mirrorPort: number): TunnelPlan {
    const { tunnel, ngrokDomain, allowCidrs } = this.effective;
    return { kind: tunnel, authtoken: this.authtoken, domain: ngrokDomain, allowCidrs, mirrorPort };
  }

  /** --api-key is in force, so a saved key does not apply to this run. */
  get apiKeyOverridden(): boolean {
    return Boolean(this.overrides.apiKey);
  }

  /**
   * The settings in effect for this run as the UI may see them, each with where it comes from (a
   * command-line option or the saved settings); of the authtoken, only its last four characters.
   */
  get publicView(): PublicSettings {
    const token = this.authtoken;
    const effective = this.effective;
    const sources = Object.fromEntries(
      OVERRIDABLE.map((field) => [field, this.overrides[field] === undefined ? 'saved' : 'command-line']),
    ) as Record<OverridableSetting, SettingSource>;
    return {
      mirrorPort: effective.mirrorPort,
      mirrorHost: effective.mirrorHost,
      dataSource: publicDataSource(effective.dataSource),
      requestTimeoutSeconds: effective.requestTimeoutSeconds,
      tunnel: effective.tunnel,
      ngrokDomain: effective.ngrokDomain,
      allowCidrs: [...effective.allowCidrs],
      sources,
      hasAuthtoken: token !== null,
      authtokenHint: token === null ? null : `…${token.slice(-4)}`,
      authtokenSource: this.authtokenSource,
      authtokenInEnvironment: this.authtokenInEnvironment,
      location: this.store.location,
      encryptsSecrets: this.store.encryptsSecrets,
    };
  }

  /** A data source from the window, with the secrets it shows as a placeholder put back from the one in effect. */
  withSavedSecrets(fromWindow: DataSourceSetting): DataSourceSetting {
    return withSavedSecrets(fromWindow, this.effective.dataSource);
  }

  /**
   * Saves a change, refused whole (an ActionError naming every bad field) if any field is wrong.
   * Says whether the running mirror and tunnel must restart for it.
   */
  async update(fromWindow: SettingsPatch): Promise<{ needsRestart: boolean }> {
    const patch = fromWindow.dataSource
      ? { ...fromWindow, dataSource: this.withSavedSecrets(fromWindow.dataSource) }
      : fromWindow;
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
    await this.save({ ...this.saved, ...patch });
    const after = { ...this.effective, ngrokAuthtoken: this.authtoken };
    const needsRestart = RESTART_FIELDS.some(
      (field) => JSON.stringify(before[field]) !== JSON.stringify(after[field]),
    );
    return { needsRestart };
  }

  /** A new random key, saved and in effect at once (it replaces an --api-key of this run too, as any change does). */
  async regenerateApiKey(): Promise<void> {
    await this.update({ apiKey: generateApiKey() });
  }

  /** Saves the free port the mirror was given ("Use a free port"); says so, or why it could not. */
  async adoptPort(port: number): Promise<string> {
    const commandLinePort = this.overrides.mirrorPort;
    try {
      await this.update({ mirrorPort: port });
      // Only what is sure: the next start uses the saved port unless its command line says another.
      return commandLinePort === undefined
        ? `The mirror now listens on the free port ${port}, saved as its port for the next start.`
        : `The mirror now listens on the free port ${port}, saved as its port; a start with --port ${commandLinePort} again still uses ${commandLinePort}.`;
    } catch (error) {
      return `The mirror now listens on the free port ${port} (not saved: ${(error as Error).message}).`;
    }
  }

  /** Deletes the saved authtoken; true if there was one. */
  async forgetAuthtoken(): Promise<boolean> {
    const had = this.saved.ngrokAuthtoken !== null;
    await this.save({ ...this.saved, ngrokAuthtoken: null });
    return had;
  }

  /** Clears the store and takes its defaults (a new API key, no authtoken). */
  async reset(): Promise<void> {
    await this.store.clear();
    const { settings } = await this.store.load();
    this.saved = settings;
    this.composed = null;
  }

  private async save(settings: Settings): Promise<void> {
    await this.store.save(settings);
    this.saved = settings;
    this.composed = null;
  }
}
