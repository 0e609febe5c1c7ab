// The headless SettingsStore: one JSON file, readable by its owner only (it may hold the ngrok
// authtoken). A corrupt file is kept aside as a backup and replaced by defaults; load never throws.
// A file from a newer version of the app is never written over: this version runs on defaults in
// memory, and only when the user changes a setting is that file kept aside and a new one written.
// A save that fails (full disk, no permission) throws a plain message and leaves no temporary file.

import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import * as nodeFs from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  defaultSettings,
  newerSettingsVersion,
  parseSettings,
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

/** The file-system calls the store writes with (node:fs/promises by default; tests put failures in). */
export type SettingsFileSystem = Pick<
  typeof nodeFs,
  'writeFile' | 'rename' | 'rm' | 'chmod' | 'mkdir' | 'copyFile'
>;

export interface FileSettingsStoreOptions {
  /** Replaces some of the file-system calls (the rest stay node:fs/promises). */
  fs?: Partial<SettingsFileSystem>;
}

/** Why a save failed, in plain words; never holds a setting's value. `code` is the system's error code. */
export class SettingsSaveError extends Error {
  override readonly name = 'SettingsSaveError';
  readonly code: string | undefined;
  constructor(message: string, code: string | undefined, cause: unknown) {
    super(message, { cause });
    this.code = code;
  }
}

const PLAIN_REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EACCES: 'permission was denied',
  EPERM: 'the operation was not permitted',
  EROFS: 'the file system is read-only',
  ENOTDIR: 'part of the path is a file, not a folder',
  EISDIR: 'a folder is in the way',
  EEXIST: 'a file is in the way',
  ENOENT: 'the folder does not exist',
  EBUSY: 'the file is in use',
  EMFILE: 'too many files are open',
  EIO: 'the disk reported an input/output error',
};

const errorCode = (error: unknown): string | undefined => {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** "the disk is full (ENOSPC)": from the error's code only, so no path or value from elsewhere leaks in. */
export const plainFileError = (error: unknown): string => {
  const code = errorCode(error);
  if (code === undefined) return 'an unexpected error';
  return `${PLAIN_REASONS[code] ?? 'the system refused'} (${code})`;
};

export class FileSettingsStore implements SettingsStore {
  readonly encryptsSecrets = false;
  private readonly fs: SettingsFileSystem;
  private newerFileReason: string | undefined;
  /** Saves and clears run one at a time, so keeping a newer file aside can never race a write. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly location: string = defaultSettingsPath(),
    options: FileSettingsStoreOptions = {},
  ) {
    this.fs = {
      writeFile: options.fs?.writeFile ?? nodeFs.writeFile,
      rename: options.fs?.rename ?? nodeFs.rename,
      rm: options.fs?.rm ?? nodeFs.rm,
      chmod: options.fs?.chmod ?? nodeFs.chmod,
      mkdir: options.fs?.mkdir ?? nodeFs.mkdir,
      copyFile: options.fs?.copyFile ?? nodeFs.copyFile,
    };
  }

  get readOnlyReason(): string | undefined {
    return this.newerFileReason;
  }

  async load(): Promise<{ settings: Settings; warnings: string[] }> {
    let text: string;
    try {
      text = await nodeFs.readFile(this.location, 'utf8');
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') {
        return {
          settings: defaultSettings(),
          warnings: [`Could not read ${this.location}: ${plainFileError(error)}; using defaults.`],
        };
      }
      // First run: keep the generated API key, so StackState's copy stays valid next time.
      this.newerFileReason = undefined;
      return this.replaceWithDefaults(null, []);
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      this.newerFileReason = undefined;
      return this.replaceWithDefaults('corrupt', ['The settings file was not valid JSON.']);
    }
    const parsed = parseSettings(raw);
    if (parsed.fromNewerVersion !== undefined) {
      // Written by a newer app: it stays as it is for that app, and this run goes on defaults in memory.
      this.newerFileReason = `The settings file ${this.location} is from a newer version of the app (settings version ${parsed.fromNewerVersion}): running on defaults, and saving nothing until a setting is changed.`;
      const warning = [
        ...parsed.warnings,
        `${this.location} is left as it is: nothing is saved until you change a setting, and then that file is kept beside the new one as ${basename(this.location)}.from-newer-version-<time>.`,
      ].join(' ');
      return { settings: parsed.settings, warnings: [warning] };
    }
    this.newerFileReason = undefined;
    const version = (raw as { version?: unknown }).version;
    if (parsed.warnings.length > 0 || version !== parsed.settings.version) {
      await this.trySave(parsed.settings, parsed.warnings);
    }
    return { settings: parsed.settings, warnings: parsed.warnings };
  }

  /** Defaults, saved; the old file (if `keepAs` names why) is kept beside it. Never throws. */
  private async replaceWithDefaults(
    keepAs: string | null,
    warnings: string[],
  ): Promise<{ settings: Settings; warnings: string[] }> {
    const settings = defaultSettings();
    if (keepAs) {
      try {
        const backup = await this.keepCopyAside(keepAs);
        warnings.push(`It was kept as ${backup} and replaced by defaults.`);
      } catch (error) {
        warnings.push(`Using defaults; the file could not be set aside: ${plainFileError(error)}.`);
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
      warnings.push(`${(error as Error).message} Until it can be saved, changes last only this run.`);
    }
  }

  /**
   * Writes the settings: a temporary file beside the real one, owner-only, then renamed over it, so a
   * crash never leaves half a file. On any failure the temporary file is removed and a
   * SettingsSaveError says what failed and where; the settings file is then as it was.
   */
  save(settings: Settings): Promise<void> {
    return this.oneAtATime(() => this.write(settings));
  }

  async clear(): Promise<void> {
    await this.oneAtATime(async () => {
      if (await this.holdsNewerVersion()) {
        try {
          await this.keepCopyAside('from-newer-version');
        } catch (error) {
          throw new SettingsSaveError(
            `Could not forget the settings in ${this.location}: ${plainFileError(error)} while keeping the newer version's file aside, so it was left as it is.`,
            errorCode(error),
            error,
          );
        }
      }
      try {
        await this.fs.rm(this.location, { force: true });
      } catch (error) {
        throw new SettingsSaveError(
          `Could not forget the settings in ${this.location}: ${plainFileError(error)} while removing the file.`,
          errorCode(error),
          error,
        );
      }
      this.newerFileReason = undefined;
    });
  }

  private async write(settings: Settings): Promise<void> {
    try {
      await this.fs.mkdir(dirname(this.location), { recursive: true, mode: 0o700 });
    } catch (error) {
      throw this.failure('creating its folder', error);
    }
    const temporary = `${this.location}.${process.pid}.${randomUUID()}.tmp`;
    let step = 'writing a temporary file beside it';
    try {
      await this.fs.writeFile(temporary, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
      step = 'making the temporary file readable by its owner only';
      await this.fs.chmod(temporary, 0o600);
      // Only now, with the new file ready: a newer version's file is copied aside, never written over.
      step = "keeping the newer version's settings file aside";
      if (await this.holdsNewerVersion()) await this.keepCopyAside('from-newer-version');
      step = 'putting the new file in place of the old one';
      await this.fs.rename(temporary, this.location);
    } catch (error) {
      let leftOver = '';
      try {
        await this.fs.rm(temporary, { force: true });
      } catch {
        leftOver = ` The temporary file ${temporary} could not be removed either.`;
      }
      throw this.failure(step, error, leftOver);
    }
    this.newerFileReason = undefined;
  }

  private failure(step: string, error: unknown, more = ''): SettingsSaveError {
    return new SettingsSaveError(
      `Could not save the settings to ${this.location}: ${plainFileError(error)} while ${step}. The settings file there was not changed.${more}`,
      errorCode(error),
      error,
    );
  }

  /** Whether the file on disk now was written by a newer version of the app. Unreadable counts as no. */
  private async holdsNewerVersion(): Promise<boolean> {
    try {
      return newerSettingsVersion(JSON.parse(await nodeFs.readFile(this.location, 'utf8'))) !== null;
    } catch {
      return false;
    }
  }

  /**
   * Copies the settings file to `<file>.<reason>-<time>` (owner-only, like the original), never over an
   * existing file: a clash picks the next free name. Returns the copy's path.
   */
  private async keepCopyAside(reason: string): Promise<string> {
    const stamp = Date.now();
    for (let attempt = 0; ; attempt++) {
      const copy = `${this.location}.${reason}-${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
      try {
        await this.fs.copyFile(this.location, copy, constants.COPYFILE_EXCL);
        return copy;
      } catch (error) {
        if (errorCode(error) !== 'EEXIST' || attempt >= 100) throw error;
      }
    }
  }

  private oneAtATime<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
