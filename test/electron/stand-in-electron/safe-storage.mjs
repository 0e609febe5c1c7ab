// Stand-in for safeStorage, with the backend the test chooses: STAND_IN_SAFE_STORAGE is the name
// Electron's getSelectedStorageBackend() would give on Linux (gnome_libsecret, kwallet5, kwallet6,
// basic_text; 'on' means gnome_libsecret; unset means basic_text, what Chromium picks with no
// keyring). The rules, from shell/browser/api/electron_api_safe_storage.cc at v41.7.1:
// - isEncryptionAvailable() is false before 'ready' (lines 28-29); with basic_text it is true only
//   after setUsePlainTextEncryption(true) (lines 30-33), since basic_text encrypts with a fixed key;
// - getSelectedStorageBackend() says 'unknown' before 'ready' (lines 45-46);
// - encryptString/decryptString throw when encryption is not available (lines 54-62).
// Every call is counted: each one may block the main process on a keychain prompt.
import { isReady } from './rules.mjs';

const PREFIX = 'stand-in-encrypted:';
const chosen = process.env.STAND_IN_SAFE_STORAGE;
const backend = chosen === 'on' ? 'gnome_libsecret' : chosen || 'basic_text';
let plainTextAllowed = false;

export const safeStorageCalls = { count: 0 };

function available() {
  if (!isReady()) return false;
  return backend === 'basic_text' ? plainTextAllowed : true;
}

function refuseUnavailable(doing) {
  if (available()) return;
  if (!isReady()) throw new Error('safeStorage cannot be used before app is ready');
  throw new Error(`Error while ${doing} the text provided to safeStorage. Encryption is not available.`);
}

export const safeStorage = {
  isEncryptionAvailable() {
    safeStorageCalls.count++;
    return available();
  },
  getSelectedStorageBackend() {
    safeStorageCalls.count++;
    return isReady() ? backend : 'unknown';
  },
  setUsePlainTextEncryption(value) {
    plainTextAllowed = Boolean(value);
  },
  encryptString(text) {
    safeStorageCalls.count++;
    refuseUnavailable('encrypting');
    return Buffer.from(PREFIX + [...text].reverse().join(''));
  },
  decryptString(buffer) {
    safeStorageCalls.count++;
    refuseUnavailable('decrypting');
    const text = buffer.toString();
    if (!text.startsWith(PREFIX)) throw new Error('Error while decrypting the ciphertext provided');
    return [...text.slice(PREFIX.length)].reverse().join('');
  },
};
