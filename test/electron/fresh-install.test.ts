// The README's set-up on a fresh copy, where Electron's download cannot work (as behind a company
// proxy): `npm ci` with the project's package.json, lock file and .npmrc, and no variables set, must
// succeed; then `npm start` must say in one sentence why the window is not available and print the
// Mirror URL, the API key and the window's address. Packages come from npm's own cache (--offline),
// so this runs without the registry; Electron's download is pointed at a closed local port.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { watchOutput } from '../fixtures/child-output';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const COPIED = ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'scripts', 'server'];

function closedPort(): Promise<number> {
  return new Promise((resolvePort) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

/** This environment without anything npm or a developer set: a user's shell after a fresh clone. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) || /^ELECTRON_/.test(name) || name === 'electron_config_cache') continue;
    env[name] = value;
  }
  return { ...env, ...extra };
}

test('a fresh copy installs where Electron cannot be downloaded, and npm start falls back to the headless mode', async (t) => {
  const folder = mkdtempSync(join(tmpdir(), 'mirror-fresh-install-'));
  t.after(() => rmSync(folder, { recursive: true, force: true }));
  const app = join(folder, 'app');
  for (const entry of COPIED) cpSync(join(ROOT, entry), join(app, entry), { recursive: true });
  const env = userEnv({
    // Where Electron's download would go: a port nobody listens on, and an empty download cache.
    ELECTRON_MIRROR: `http://127.0.0.1:${await closedPort()}/`,
    electron_config_cache: join(folder, 'electron-cache'),
  });

  const started = Date.now();
  const install = spawnSync('npm', ['ci', '--offline', '--no-audit', '--no-fund'], {
    cwd: app,
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });
  t.diagnostic(`npm ci --offline took ${Date.now() - started} ms`);
  if (install.status !== 0 && /ENOTCACHED/.test(install.stderr)) {
    t.skip("npm's cache lacks a package of the lock file (run `npm ci` once with the registry reachable)");
    return;
  }
  assert.equal(
    install.status,
    0,
    `the README's set-up failed on a fresh copy without Electron's download:\n${install.stderr.slice(-2000)}`,
  );
  assert.ok(existsSync(join(app, 'node_modules/electron/install.js')), 'the electron package is installed');
  assert.ok(!existsSync(join(app, 'node_modules/electron/dist')), 'its runtime was not downloaded');

  const child = spawn(
    process.execPath,
    ['scripts/start.mjs', '--port', '0', '--settings', join(folder, 'settings.json')],
    {
      cwd: app,
      // No authtoken: the mirror serves locally and nothing is sent to ngrok.
      env: { ...env, MIRROR_TRAY_SKIP_BUILD: '1', NGROK_AUTHTOKEN: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = watchOutput(child);
  await output.waitFor(
    /^Window \(UI and request inspector\): http:\/\/127\.0\.0\.1:\d+\//m,
    60_000,
    'npm start printed no window address',
  );
  const { stdout, stderr } = output;
  child.kill('SIGTERM');
  assert.equal(await output.exited, 0);
  const reason = stderr.split('\n').find((line) => line.startsWith('The Electron runtime is not installed'));
  assert.match(
    reason ?? '',
    /^The Electron runtime is not installed \(its download from http:\/\/127\.0\.0\.1:\d+\/ failed: .+\): run .*starting the headless mode instead, so open the UI at the address below\.$/,
    stderr,
  );
  assert.match(stdout, /^ {2}Mirror URL {15}http:\/\/127\.0\.0\.1:\d+\/$/m);
  assert.match(stdout, /^ {2}Api Key {18}\S+$/m);
});
