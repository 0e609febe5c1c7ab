// The desktop's own options in the headless fallback, through the README's start command in a real
// child: --user-data-dir keeps the settings where it says (not in the user's config folder), and
// what the headless mode cannot honour (--hidden, Chromium switches) is named as ignored.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { npmStart, WINDOW_LINE } from '../fixtures/npm-start';
import { holdPort } from '../fixtures/port-holder';

test('npm start -- --user-data-dir DIR --hidden --no-sandbox in the headless fallback: settings in DIR, the rest said to be ignored', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'mirror-user-data-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const app = await npmStart([
    '--user-data-dir',
    dir,
    '--hidden',
    '--no-sandbox',
    '--port',
    '0',
    '--api-key',
    'kept-in-dir',
  ]);
  try {
    await app.waitFor(WINDOW_LINE);
    // The notes follow the address (the same write on our side; a pipe may hand them over later).
    await app.waitFor(/--hidden is ignored/);
    const printed = app.output();
    const file = join(dir, 'headless-settings.json');
    assert.ok(
      existsSync(file),
      `no settings file in the --user-data-dir folder; npm start printed:\n${printed}`,
    );
    assert.equal(
      existsSync(join(app.configDir, 'stackstate-mirror-tray', 'headless-settings.json')),
      false,
      'the settings went to the default folder as well',
    );
    assert.match(
      printed,
      new RegExp(`--user-data-dir: the settings are kept in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`),
    );
    assert.match(printed, /--hidden is ignored: the headless mode has no window to hide/);
    assert.match(printed, /Ignored in the headless mode \(desktop or Chromium options\): --no-sandbox/);
    assert.match(printed, /^ {2}Api Key {18}kept-in-dir$/m);
    // The file holds this run's settings (written at first start), readable as JSON.
    assert.equal(typeof JSON.parse(await readFile(file, 'utf8')).apiKey, 'string');
  } finally {
    await app.stop();
  }
});

test('npm start -- --ui-port N with N taken: the window opens on another port, and the output says so', async () => {
  const held = await holdPort(0);
  assert.ok(held, 'python3 could not hold a port');
  const app = await npmStart(['--ui-port', String(held.port), '--port', '0']);
  try {
    const [, uiUrl] = (await app.waitFor(WINDOW_LINE)) as unknown as [string, string];
    assert.notEqual(Number(new URL(uiUrl).port), held.port);
    // The note follows the address (a pipe may hand it over a moment later): waiting for it is the check.
    await app.waitFor(
      new RegExp(`Note: The UI port ${held.port} is already in use, so the window is on port \\d+ instead`),
    );
    const page = await fetch(uiUrl);
    assert.equal(page.status, 200, 'the window is not served at the address printed');
  } finally {
    await app.stop();
    held.release();
  }
});
