// The desktop SettingsStore: electron-store (a JSON file in the user-data folder, owner-only),
// with the ngrok authtoken encrypted by Electron's safeStorage when the OS offers a keychain.
// The logic is in secret-settings.ts (tested with a stand-in cipher); this file only wires Electron in.
// Create it after app 'ready': safeStorage is not available before that on Windows and Linux.
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { app, safeStorage } from 'electron';
import Store from 'electron-store';
import {
  CipheredSettingsStore,
  type KeyValueBackend,
  keepFileCopy,
  type SecretCipher,
} from './secret-settings';

export const STORE_NAME = 'settings';

/** safeStorage as a SecretCipher. Linux's 'basic_text' backend uses a fixed key: that is not encryption. */
export function safeStorageCipher(platform: NodeJS.Platform = process.platform): SecretCipher {
  const name =
    platform === 'darwin'
      ? 'the macOS Keychain'
      : platform === 'win32'
        ? 'Windows DPAPI'
        : `the system keyring (${safeStorage.getSelectedStorageBackend()})`;
  return {
    name,
    isAvailable: () =>
      safeStorage.isEncryptionAvailable() &&
      !(platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text'),
    encrypt: (plainText) => safeStorage.encryptString(plainText).toString('base64'),
    decrypt: (cipherText) => safeStorage.decryptString(Buffer.from(cipherText, 'base64')),
  };
}

function openStore(): { store: Store<Record<string, unknown>>; warnings: string[] } {
  const options = {
    name: STORE_NAME,
    // Only the owner may read it: without a keychain it holds the authtoken in plain text.
    configFileMode: 0o600,
    clearInvalidConfig: false,
    accessPropertiesByDotNotation: false,
  } as const;
  try {
    return { store: new Store<Record<string, unknown>>(options), warnings: [] };
  } catch (error) {
    // Not valid JSON: keep the file aside (as the headless store does) and start afresh.
    const path = join(app.getPath('userData'), `${STORE_NAME}.json`);
    const backup = `${path}.corrupt-${Date.now()}`;
    if (existsSync(path)) renameSync(path, backup);
    return {
      store: new Store<Record<string, unknown>>(options),
      warnings: [
        `The settings file could not be read (${(error as Error).message}). It was kept as ${backup} and replaced by defaults.`,
      ],
    };
  }
}

export function createElectronSettingsStore(onSecret?: (secret: string) => void): CipheredSettingsStore {
  const { store, warnings } = openStore();
  const backend: KeyValueBackend = {
    path: store.path,
    get: (key) => store.get(key),
    set: (values) => store.set(values),
    delete: (key) => store.delete(key),
    // The whole file, as a newer version of the app left it, before this version first writes to it.
    keepCopy: (reason) => keepFileCopy(store.path, reason),
  };
  return new CipheredSettingsStore({
    backend,
    cipher: safeStorageCipher(),
    openWarnings: warnings,
    ...(onSecret ? { onSecret } : {}),
  });
}
