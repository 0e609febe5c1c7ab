// The headless SettingsStore: one JSON file, readable by its owner only (it may hold the ngrok
// authtoken). A corrupt file is kept aside as a backup and replaced by defaults; nothing throws.
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { defaultSettings, parseSettings, type Settings, type SettingsStore } from './settings';

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
      const settings = defaultSettings();
      await this.save(settings);
      return { settings, warnings: [] };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      const backup = `${this.location}.corrupt-${Date.now()}`;
      await rename(this.location, backup);
      const settings = defaultSettings();
      await this.save(settings);
      return {
        settings,
        warnings: [
          `The settings file was not valid JSON. It was kept as ${backup} and replaced by defaults.`,
        ],
      };
    }
    const parsed = parseSettings(raw);
    if (parsed.warnings.length > 0 || (raw as { version?: unknown }).version !== parsed.settings.version) {
      await this.save(parsed.settings);
    }
    return parsed;
  }

  async save(settings: Settings): Promise<void> {
    await mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
    // Write then rename, so a crash mid-write never leaves a half file.
    const temporary = `${this.location}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
    await chmod(temporary, 0o600);
    await rename(temporary, this.location);
  }

  async clear(): Promise<void> {
    await rm(this.location, { force: true });
  }
}
