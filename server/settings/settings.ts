// The settings schema shared by the headless mode and the desktop app, its migrations,
// and a file-backed store for headless use (the desktop app uses electron-store, see electron/settings.ts).
import { randomBytes } from 'node:crypto';
import { apiKeyProblem } from '../protocol/messages';
import { checkDataSource, type DataSourceSetting, DEFAULT_DATA_SOURCE } from '../telemetry/registry';
import type { TunnelKind } from '../tunnel/tunnel';

export const SETTINGS_VERSION = 2;

export interface Settings {
  version: typeof SETTINGS_VERSION;
  /** The port StackState (or the tunnel) reaches the mirror on; the tutorial uses 7007. */
  mirrorPort: number;
  /** Where the mirror listens; 127.0.0.1 unless StackState must reach it over the network. */
  mirrorHost: string;
  /** Identifies this mirror to StackState: sent back in every response header. */
  apiKey: string;
  /** What the mirror serves: a kind from the registry (server/telemetry/registry.ts) and its options. */
  dataSource: DataSourceSetting;
  /** How long a data source may take to answer one request before StackState gets a time-out error. */
  requestTimeoutSeconds: number;
  tunnel: TunnelKind;
  /** Secret. Never logged, never returned by the control API, never shown in full. */
  ngrokAuthtoken: string | null;
  /** An ngrok reserved (static) domain, so the public URL survives restarts. */
  ngrokDomain: string | null;
  /** CIDRs allowed through the tunnel; empty means anyone who knows the URL. */
  allowCidrs: string[];
}

/** Settings given for one run only (command-line options): they win over the saved ones and are not saved. */
export type SettingsOverrides = Partial<
  Pick<Settings, 'mirrorPort' | 'mirrorHost' | 'apiKey' | 'dataSource' | 'tunnel' | 'requestTimeoutSeconds'>
> & {
  ngrokDomain?: string;
  allowCidrs?: string[];
};

export const generateApiKey = (): string => `mirror-${randomBytes(12).toString('base64url')}`;

export const defaultSettings = (): Settings => ({
  version: SETTINGS_VERSION,
  mirrorPort: 7007,
  mirrorHost: '127.0.0.1',
  apiKey: generateApiKey(),
  dataSource: DEFAULT_DATA_SOURCE,
  requestTimeoutSeconds: 12,
  tunnel: 'ngrok',
  ngrokAuthtoken: null,
  ngrokDomain: null,
  allowCidrs: [],
});

/** Where settings are kept, behind one interface so the session does not care. */
export interface SettingsStore {
  /** A human description of where settings live (a path), for messages. */
  readonly location: string;
  /** Whether the authtoken is encrypted at rest (safeStorage in the desktop app). */
  readonly encryptsSecrets: boolean;
  /** Reads the settings; a missing or corrupt store gives defaults and a warning, never a throw. */
  load(): Promise<{ settings: Settings; warnings: string[] }>;
  save(settings: Settings): Promise<void>;
  /**
   * Forgets everything stored (Stop & clean up with "forget settings"). Settings written by a newer
   * version of the app are kept aside (a copy under a name that says so), never just deleted.
   */
  clear(): Promise<void>;
  /**
   * Set (a plain-words reason) while the store runs on defaults held in memory only, because the stored
   * settings belong to a newer version of the app: load() wrote nothing. The next save() keeps the newer
   * settings aside first, then writes, and this goes back to undefined.
   */
  readonly readOnlyReason?: string | undefined;
}

// ---------- validation and migrations ----------

const TUNNEL_KINDS: readonly TunnelKind[] = ['ngrok', 'none'];

/** A field's check: returns the reason it is invalid, or null. Shared with the control API's patch check. */
const fieldChecks: { [K in Exclude<keyof Settings, 'version'>]: (value: unknown) => string | null } = {
  mirrorPort: (v) =>
    Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 65535
      ? null
      : 'must be a port from 0 to 65535',
  mirrorHost: (v) => (typeof v === 'string' && v.trim() !== '' ? null : 'must be a host address'),
  apiKey: apiKeyProblem,
  dataSource: checkDataSource,
  requestTimeoutSeconds: (v) =>
    Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 300
      ? null
      : 'must be a whole number of seconds from 1 to 300',
  tunnel: (v) =>
    TUNNEL_KINDS.includes(v as TunnelKind) ? null : `must be one of ${TUNNEL_KINDS.join(', ')}`,
  ngrokAuthtoken: (v) =>
    v === null || (typeof v === 'string' && /^[\w-]{8,200}$/.test(v))
      ? null
      : 'does not look like an ngrok authtoken',
  ngrokDomain: (v) =>
    v === null || (typeof v === 'string' && /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(v))
      ? null
      : 'must be a domain name such as my-name.ngrok-free.app',
  allowCidrs: (v) =>
    Array.isArray(v) && v.every((c) => typeof c === 'string' && isCidr(c))
      ? null
      : 'must be a list of CIDRs such as 203.0.113.0/24',
};

/** The reason `value` is not valid for `field`, or null. The message never includes the value (it may be a secret). */
export function checkSetting(field: string, value: unknown): string | null {
  const check = fieldChecks[field as keyof typeof fieldChecks];
  return check ? check(value) : 'is not a setting';
}

export function isCidr(text: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (v4) return v4.slice(1, 5).every((o) => Number(o) <= 255) && Number(v4[5]) <= 32;
  const v6 = /^([0-9a-f:]+)\/(\d{1,3})$/i.exec(text);
  return v6 !== null && v6[1]!.includes(':') && Number(v6[2]) <= 128;
}

/**
 * Migrations from older files, keyed by the version they upgrade from. Version 0 is the
 * unversioned pre-release file, which used the tutorial's names `port` and `api_key`.
 */
const migrations: Record<number, (raw: Record<string, unknown>) => Record<string, unknown>> = {
  0: ({ port, api_key, ...rest }) => ({
    ...rest,
    ...(port === undefined ? {} : { mirrorPort: port }),
    ...(api_key === undefined ? {} : { apiKey: api_key }),
    version: 1,
  }),
  // The data source became a kind with options (`profile: 'demo'` → `dataSource: { kind: 'demo' }`).
  1: ({ profile, ...rest }) => ({
    ...rest,
    ...(profile === undefined ? {} : { dataSource: { kind: profile } }),
    version: 2,
  }),
};

/** The version stored settings say they have, when a newer version of the app wrote them; else null. */
export function newerSettingsVersion(raw: unknown): number | null {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const version = (raw as { version?: unknown }).version;
  return typeof version === 'number' && version > SETTINGS_VERSION ? version : null;
}

export interface ParsedSettings {
  settings: Settings;
  warnings: string[];
  /**
   * Set when the stored settings come from a newer version of the app (that version number): `settings`
   * are then defaults, and the store must leave the stored ones as they are until the user changes a
   * setting, and even then keep them aside rather than write over them.
   */
  fromNewerVersion?: number;
}

/** Turns whatever a store holds into valid Settings: migrated, with invalid fields reset and a warning each. */
export function parseSettings(raw: unknown): ParsedSettings {
  const defaults = defaultSettings();
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { settings: defaults, warnings: ['The settings were not an object; using defaults.'] };
  }
  const newer = newerSettingsVersion(raw);
  if (newer !== null) {
    return {
      settings: defaults,
      warnings: [
        `The settings are from a newer version of the app (settings version ${newer}); using defaults.`,
      ],
      fromNewerVersion: newer,
    };
  }
  let data = raw as Record<string, unknown>;
  let version = typeof data.version === 'number' ? data.version : 0;
  while (version < SETTINGS_VERSION) {
    const migrate = migrations[version];
    if (!migrate) break;
    data = migrate(data);
    version = typeof data.version === 'number' ? data.version : version + 1;
  }
  const warnings: string[] = [];
  const settings: Settings = { ...defaults };
  for (const field of Object.keys(fieldChecks) as (keyof typeof fieldChecks)[]) {
    if (!(field in data)) continue;
    const problem = fieldChecks[field](data[field]);
    if (problem) warnings.push(`Setting "${field}" ${problem}; using the default.`);
    else Object.assign(settings, { [field]: data[field] });
  }
  return { settings, warnings };
}
