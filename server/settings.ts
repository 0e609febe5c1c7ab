// The settings schema shared by the headless mode and the desktop app, its migrations,
// and a file-backed store for headless use (the desktop app uses electron-store, see electron/settings.ts).
import { randomBytes } from 'node:crypto';
import type { ProfileName } from './telemetry/source';
import type { TunnelKind } from './tunnel/tunnel';

export const SETTINGS_VERSION = 1;

export interface Settings {
  version: typeof SETTINGS_VERSION;
  /** The port StackState (or the tunnel) reaches the mirror on; the tutorial uses 7007. */
  mirrorPort: number;
  /** Where the mirror listens; 127.0.0.1 unless StackState must reach it over the network. */
  mirrorHost: string;
  /** Identifies this mirror to StackState: sent back in every response header. */
  apiKey: string;
  profile: ProfileName;
  tunnel: TunnelKind;
  /** Secret. Never logged, never returned by the control API, never shown in full. */
  ngrokAuthtoken: string | null;
  /** An ngrok reserved (static) domain, so the public URL survives restarts. */
  ngrokDomain: string | null;
  /** CIDRs allowed through the tunnel; empty means anyone who knows the URL. */
  allowCidrs: string[];
}

export const generateApiKey = (): string => `mirror-${randomBytes(12).toString('base64url')}`;

export const defaultSettings = (): Settings => ({
  version: SETTINGS_VERSION,
  mirrorPort: 7007,
  mirrorHost: '127.0.0.1',
  apiKey: generateApiKey(),
  profile: 'demo',
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
  /** Forgets everything stored (Stop & clean up with "forget settings"). */
  clear(): Promise<void>;
}
