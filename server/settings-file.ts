// The headless SettingsStore: one JSON file, readable by its owner only (it may hold the ngrok
// authtoken). A corrupt file is kept aside as a backup and replaced by defaults; nothing throws.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  defaultSettings,
  parseSettings,
  SETTINGS_VERSION,
  type Settings,
  type SettingsStore,
} from './settings';

export const APP_FOLDER = 'stackstate-mirror-tray';

/** The user's config folder, as each platform names it. */
export function defaultSettingsPath(env = process.env, platform = process.platform): string {
  const base =
    platform === 'win32'
      ? (env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'))
      : platform === 'darwin'
        ? join(homedir(), 'Library', 'Application Support')
        : (env.XDG_CONFIG_HOME ?? join(homedir(), '.config'));
  return join(base, APP_FOLDER, 'headless-settings.json');
}

export class FileSettingsStore implements SettingsStore {
  readonly encryptsSecrets = false;

  constructor(readonly location: string = defaultSettingsPath()) {}

  async load(): Promise<{ settings: Settings; warnings: string[] }> {
    let text: string;
    try {
      text = await readFile(this.location, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        return {
          settings: defaultSettings(),
          warnings: [`Could not read ${this.location} (${(error as Error).message}); using defaults.`],
        };
      }
      // First run: keep the generated API key, so StackState's copy stays valid next time.
      return this.replaceWithDefaults(null, []);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return this.replaceWithDefaults('corrupt', ['The settings file was not valid JSON.']);
    }
    const version = (raw as { version?: unknown } | null)?.version;
    if (typeof version === 'number' && version > SETTINGS_VERSION) {
      // Written by a newer app: keep it for that app, and run on defaults here.
      return this.replaceWithDefaults('from-newer-version', [
        `The settings file is from a newer version of the app (settings version ${version}).`,
      ]);
    }
    const parsed = parseSettings(raw);
    if (parsed.warnings.length > 0 || version !== parsed.settings.version) {
      await this.trySave(parsed.settings, parsed.warnings);
    }
    return parsed;
  }

  /** Defaults, saved; the old file (if `keepAs` names why) is kept beside it. Never throws. */
  private async replaceWithDefaults(
    keepAs: string | null,
    warnings: string[],
  ): Promise<{ settings: Settings; warnings: string[] }> {
    const settings = defaultSettings();
    if (keepAs) {
      const backup = `${this.location}.${keepAs}-${Date.now()}`;
      try {
        await rename(this.location, backup);
        warnings.push(`It was kept as ${backup} and replaced by defaults.`);
      } catch (error) {
        warnings.push(`Using defaults; the file could not be set aside (${(error as Error).message}).`);
        return { settings, warnings: [warnings.join(' ')] };
      }
    }
    await this.trySave(settings, warnings);
    return { settings, warnings: warnings.length > 0 ? [warnings.join(' ')] : [] };
  }

  private async trySave(settings: Settings, warnings: string[]): Promise<void> {
    try {
      await this.save(settings);
    } catch (error) {
      warnings.push(
        `The settings could not be saved to ${this.location} (${(error as Error).message}), so changes last only this run.`,
      );
    }
  }

  async save(settings: Settings): Promise<void> {
    await mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
    // Write then rename, so a crash mid-write never leaves a half file.
    const temporary = `${this.location}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(temporary, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.location);
  }

  async clear(): Promise<void> {
    await rm(this.location, { force: true });
  }
}
