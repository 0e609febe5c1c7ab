// The desktop SettingsStore's logic, with no electron import: settings in a key-value store
// (electron-store in the app), the ngrok authtoken encrypted by a SecretCipher (safeStorage in the
// app) when one is available. Encrypt on save, decrypt on load; a token that cannot be decrypted
// becomes null with a warning. The same schema and migrations as the headless file (parseSettings).
// Settings from a newer version of the app are not written over: this version runs on defaults in
// memory, and the first save (or "forget all settings") first keeps a copy of the whole file aside.

import { constants, copyFileSync } from 'node:fs';
import { basename } from 'node:path';
import { plainFileError } from '../server/settings/file-store';
import {
  checkSetting,
  defaultSettings,
  newerSettingsVersion,
  parseSettings,
  type Settings,
  type SettingsStore,
} from '../server/settings/settings';
import { parseHeaders } from '../server/telemetry/prometheus-headers';
import { parseSourceSecrets, splitSourceSecrets } from './source-secrets';

/** Turns the authtoken into something safe to write down, and back. */
export interface SecretCipher {
  /** Where the key lives, for messages: "the macOS Keychain", "Windows DPAPI", "gnome_libsecret". */
  readonly name: string;
  /** Whether encrypt/decrypt can be used now (the OS keychain may be missing or locked). */
  isAvailable(): boolean;
  /** Plain text → base64 cipher text. */
  encrypt(plainText: string): string;
  /** Base64 cipher text → plain text; throws if it cannot. */
  decrypt(cipherText: string): string;
}

/** The few operations of electron-store (conf) that the store uses. */
export interface KeyValueBackend {
  /** The file the values live in. */
  readonly path: string;
  get(key: string): unknown;
  /** Sets several keys in one write. */
  set(values: Record<string, unknown>): void;
  delete(key: string): void;
  /**
   * Keeps a copy of everything stored, as it is now, beside the store under a new name that says why
   * (never over an existing file), and returns that name. Throws if it cannot (a full disk).
   */
  keepCopy(reason: string): string;
}

/**
 * Copies a file to `<path>.<reason>-<time>` with the same (owner-only) mode, never over an existing
 * file: a clash picks the next free name. Returns the copy's path. Throws the file system's error.
 */
export function keepFileCopy(path: string, reason: string): string {
  const stamp = Date.now();
  for (let attempt = 0; ; attempt++) {
    const copy = `${path}.${reason}-${stamp}${attempt === 0 ? '' : `-${attempt}`}`;
    try {
      copyFileSync(path, copy, constants.COPYFILE_EXCL);
      return copy;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 100) throw error;
    }
  }
}

export const SETTINGS_KEY = 'settings';
export const ENCRYPTED_TOKEN_KEY = 'ngrokAuthtokenEncrypted';
export const WINDOW_KEY = 'window';
/** The data source's secret options (a Prometheus bearer token or password), encrypted like the token. */
export const ENCRYPTED_SOURCE_SECRETS_KEY = 'dataSourceSecretsEncrypted';

export interface CipheredSettingsStoreOptions {
  backend: KeyValueBackend;
  cipher: SecretCipher;
  /** Told every authtoken it reads or writes, so the error log can scrub it. */
  onSecret?: (secret: string) => void;
  /** Problems met while opening the backend (a corrupt file set aside), reported by the first load. */
  openWarnings?: string[];
}

export class CipheredSettingsStore implements SettingsStore {
  private readonly backend: KeyValueBackend;
  private readonly cipher: SecretCipher;
  private readonly onSecret: (secret: string) => void;
  private pendingWarnings: string[];
  /**
   * Set while an encrypted token sits in the store that the keyring cannot open yet: saving keeps it.
   * (Forgetting the token in that state keeps it too, until "forget all settings" or a new token.)
   */
  private lockedToken = false;
  /** The same for the data source's encrypted secret options. */
  private lockedSourceSecrets = false;
  /** Set while the stored settings are a newer version's and this run uses defaults (see readOnlyReason). */
  private newerReason: string | undefined;
  /**
   * Whether the cipher works, as last asked. Asked again on each load and save only: the state is
   * read on every control API request in the process that serves the mirror, and safeStorage can
   * block there (a Keychain prompt, which ad-hoc signed builds get again after every update).
   */
  private available: boolean;

  constructor(options: CipheredSettingsStoreOptions) {
    this.backend = options.backend;
    this.cipher = options.cipher;
    this.onSecret = options.onSecret ?? (() => undefined);
    this.pendingWarnings = [...(options.openWarnings ?? [])];
    this.available = this.cipher.isAvailable();
  }

  get location(): string {
    return this.backend.path;
  }

  /** As of the last load or save (the keychain can come and go while the app runs). */
  get encryptsSecrets(): boolean {
    return this.available;
  }

  get readOnlyReason(): string | undefined {
    return this.newerReason;
  }

  async load(): Promise<{ settings: Settings; warnings: string[] }> {
    const warnings = this.pendingWarnings;
    this.pendingWarnings = [];
    this.available = this.cipher.isAvailable();
    const raw = this.backend.get(SETTINGS_KEY);
    if (raw === undefined) {
      // First run: keep the generated API key, so StackState's copy stays valid next time.
      const settings = defaultSettings();
      await this.save(settings);
      return { settings, warnings };
    }
    const parsed = parseSettings(raw);
    if (parsed.fromNewerVersion !== undefined) {
      // Written by a newer app: left as it is for that app (token included), this run goes on defaults.
      this.lockedToken = false;
      this.newerReason = `The settings in ${this.location} are from a newer version of the app (settings version ${parsed.fromNewerVersion}): running on defaults, and saving nothing until a setting is changed.`;
      warnings.push(
        [
          ...parsed.warnings,
          `${this.location} is left as it is: nothing is saved until you change a setting, and then a copy of it is kept beside it as ${basename(this.location)}.from-newer-version-<time>.`,
        ].join(' '),
      );
      return { settings: parsed.settings, warnings };
    }
    this.newerReason = undefined;
    warnings.push(...parsed.warnings);
    const settings = parsed.settings;
    let rewrite = parsed.warnings.length > 0 || (raw as { version?: unknown }).version !== settings.version;

    const encrypted = this.backend.get(ENCRYPTED_TOKEN_KEY);
    this.lockedToken = encrypted !== undefined && !this.available;
    if (this.lockedToken) {
      // The keyring is not open yet (a login item that starts first, KWallet not running): the token
      // is kept as it is for a later start, and this run goes without it.
      settings.ngrokAuthtoken = null;
      warnings.push(
        `The saved ngrok authtoken is encrypted, but ${this.cipher.name} is not available now. It is kept: restart the app once the keyring is unlocked, or paste the authtoken again in Settings.`,
      );
    } else if (encrypted !== undefined) {
      const token = this.decryptToken(encrypted);
      if ('token' in token) {
        settings.ngrokAuthtoken = token.token;
      } else {
        settings.ngrokAuthtoken = null;
        warnings.push(token.warning);
        rewrite = true;
      }
    } else if (settings.ngrokAuthtoken !== null && this.available) {
      // Saved in plain text while no keychain was available: encrypt it now.
      rewrite = true;
    }
    if (settings.ngrokAuthtoken !== null) this.onSecret(settings.ngrokAuthtoken);
    if (this.loadSourceSecrets(settings, warnings)) rewrite = true;
    if (rewrite) await this.save(settings);
    return { settings, warnings };
  }

  async save(settings: Settings): Promise<void> {
    this.keepNewerVersionAside('saving');
    this.available = this.cipher.isAvailable();
    const token = settings.ngrokAuthtoken;
    if (token !== null) this.onSecret(token);
    const hadSecrets = Object.keys(splitSourceSecrets(settings.dataSource).secrets.values).length > 0;
    const sourceSecrets = this.sourceSecretsToWrite(settings);
    if (sourceSecrets) settings = { ...settings, dataSource: sourceSecrets.open };
    const encryptedSecrets = sourceSecrets ? { [ENCRYPTED_SOURCE_SECRETS_KEY]: sourceSecrets.encrypted } : {};
    if (token !== null && this.available) {
      this.write({
        [SETTINGS_KEY]: { ...settings, ngrokAuthtoken: null },
        [ENCRYPTED_TOKEN_KEY]: this.cipher.encrypt(token),
        ...encryptedSecrets,
      });
      this.afterSourceSecretsWritten(sourceSecrets !== null, hadSecrets);
      return;
    }
    this.write({ [SETTINGS_KEY]: settings, ...encryptedSecrets });
    this.afterSourceSecretsWritten(sourceSecrets !== null, hadSecrets);
    // A token the locked keyring keeps from us is not ours to delete; a new token replaces it.
    const keepLocked = token === null && this.lockedToken;
    if (!keepLocked && this.backend.get(ENCRYPTED_TOKEN_KEY) !== undefined)
      this.backend.delete(ENCRYPTED_TOKEN_KEY);
    if (token !== null) this.lockedToken = false;
  }

  async clear(): Promise<void> {
    this.keepNewerVersionAside('forgetting');
    // The window's place is not a setting: it stays.
    this.lockedToken = false;
    this.lockedSourceSecrets = false;
    this.backend.delete(SETTINGS_KEY);
    this.backend.delete(ENCRYPTED_TOKEN_KEY);
    this.backend.delete(ENCRYPTED_SOURCE_SECRETS_KEY);
  }

  /** One write to the store; a failure (a full disk) says where and why in plain words, with no value. */
  private write(values: Record<string, unknown>): void {
    try {
      this.backend.set(values);
    } catch (error) {
      throw new Error(
        `Could not save the settings to ${this.location}: ${plainFileError(error)} while writing the file. It was not changed.`,
        { cause: error },
      );
    }
  }

  /**
   * Before the first write over settings from a newer version of the app (whether or not load() saw
   * them: that app may have run since), a copy of the whole store is kept aside. If that fails, this
   * throws and nothing is written.
   */
  private keepNewerVersionAside(doing: 'saving' | 'forgetting'): void {
    if (newerSettingsVersion(this.backend.get(SETTINGS_KEY)) !== null) {
      try {
        this.backend.keepCopy('from-newer-version');
      } catch (error) {
        throw new Error(
          `Could not ${doing === 'saving' ? 'save the settings to' : 'forget the settings in'} ${this.location}: ${plainFileError(error)} while keeping a copy of the newer version's settings aside. The file was not changed.`,
          { cause: error },
        );
      }
    }
    this.newerReason = undefined;
  }

  /** The window's last bounds (a separate key, not part of Settings). */
  windowBounds(): unknown {
    return this.backend.get(WINDOW_KEY);
  }

  /** Not while the store holds a newer version's settings untouched: that file is not written until a save. */
  saveWindowBounds(bounds: { x?: number; y?: number; width: number; height: number }): void {
    if (this.newerReason !== undefined) return;
    this.backend.set({ [WINDOW_KEY]: bounds });
  }

  /**
   * Merges the data source's encrypted secret options into `settings` (told to onSecret). Returns
   * whether the store should be rewritten: secrets that cannot be read are dropped with a warning,
   * and plain ones are encrypted as soon as a keychain is available.
   */
  private loadSourceSecrets(settings: Settings, warnings: string[]): boolean {
    const encrypted = this.backend.get(ENCRYPTED_SOURCE_SECRETS_KEY);
    const { secrets } = splitSourceSecrets(settings.dataSource);
    this.lockedSourceSecrets = encrypted !== undefined && !this.available;
    if (this.lockedSourceSecrets) {
      warnings.push(
        `The data source's saved credentials are encrypted, but ${this.cipher.name} is not available now. They are kept: restart the app once the keyring is unlocked, or enter them again in Settings.`,
      );
      return false;
    }
    if (encrypted === undefined) {
      this.tellSourceSecrets(secrets.values);
      return Object.keys(secrets.values).length > 0 && this.available;
    }
    let values: Record<string, string> | null = null;
    try {
      if (typeof encrypted === 'string')
        values = parseSourceSecrets(this.cipher.decrypt(encrypted), settings.dataSource);
    } catch {
      values = null;
    }
    if (values === null) {
      warnings.push(
        `The data source's saved credentials could not be decrypted with ${this.cipher.name}, or do not belong to it. They were removed: enter them again in Settings.`,
      );
      return true;
    }
    this.tellSourceSecrets(values);
    settings.dataSource = { ...settings.dataSource, ...values };
    return false;
  }

  /**
   * Tells the error log every secret value: each option's whole text, and for the secret headers
   * each header's value too (`X-Api-Key: abc` is registered as `abc` as well, the part that a line
   * would show).
   */
  private tellSourceSecrets(values: Record<string, string>): void {
    for (const [name, value] of Object.entries(values)) {
      this.onSecret(value);
      if (name === 'secretHeaders')
        for (const [, headerValue] of parseHeaders(value)) this.onSecret(headerValue);
    }
  }

  /** The data source without its secrets and those secrets encrypted, when there are secrets and a keychain. */
  private sourceSecretsToWrite(
    settings: Settings,
  ): { open: Settings['dataSource']; encrypted: string } | null {
    const { open, secrets } = splitSourceSecrets(settings.dataSource);
    this.tellSourceSecrets(secrets.values);
    if (Object.keys(secrets.values).length === 0 || !this.available) return null;
    return { open, encrypted: this.cipher.encrypt(JSON.stringify(secrets)) };
  }

  /**
   * An encrypted copy no longer wanted is deleted, unless a locked keyring keeps it from us and no
   * new secret (written plain, for want of a keyring) replaces it.
   */
  private afterSourceSecretsWritten(wroteEncrypted: boolean, hadSecrets: boolean): void {
    if (wroteEncrypted || hadSecrets) this.lockedSourceSecrets = false;
    if (wroteEncrypted || this.lockedSourceSecrets) return;
    if (this.backend.get(ENCRYPTED_SOURCE_SECRETS_KEY) !== undefined)
      this.backend.delete(ENCRYPTED_SOURCE_SECRETS_KEY);
  }

  private decryptToken(encrypted: unknown): { token: string } | { warning: string } {
    const forget = 'It was removed: paste the authtoken again in Settings.';
    let token: string;
    try {
      if (typeof encrypted !== 'string') throw new Error('not a string');
      token = this.cipher.decrypt(encrypted);
    } catch {
      return {
        warning: `The saved ngrok authtoken could not be decrypted with ${this.cipher.name} (the key may have changed). ${forget}`,
      };
    }
    if (checkSetting('ngrokAuthtoken', token) !== null) {
      return { warning: `The saved ngrok authtoken decrypted to something that is not a token. ${forget}` };
    }
    return { token };
  }
}
