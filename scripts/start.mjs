// `npm start`: builds, then runs the desktop app. Where Electron cannot run here (its binary was
// never downloaded and cannot be now, or there is no display), it says so in one sentence and runs
// the headless mode instead, with the same arguments, so the job still gets done.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  downloadSource,
  electronEnv,
  headlessArgs,
  ignoredInHeadless,
  planLaunch,
  summariseInstallError,
} from './launch-plan.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const require = createRequire(import.meta.url);
// About 100 MB: npm install no longer fetches it (.npmrc), so the first start allows for a slow link.
const INSTALL_TIMEOUT_MILLIS = 180_000;

// npm runs this script through `sh -c`. Where that shell stays in between (dash, Debian's and
// Ubuntu's /bin/sh, does), the SIGTERM npm passes on kills the shell only, and this script is left
// behind with no signal. So, when npm started it, its parent going away counts as a SIGTERM.
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 200);
  watch.unref();
}

/**
 * Runs scripts/build.mjs in a child, asynchronously, so that a signal meanwhile is seen at once: it
 * ends the build, then this script, before anything has started that needs stopping.
 */
function build() {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const child = spawn(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  let received = null;
  const pass = (signal) => {
    received = signal;
    child.kill(signal);
  };
  for (const signal of signals) process.on(signal, pass);
  return new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (code) => {
      for (const signal of signals) process.off(signal, pass);
      if (received) process.exit(128 + constants.signals[received]);
      resolve(code ?? 1);
    });
  });
}

// MIRROR_TRAY_SKIP_BUILD=1 starts what is already built (the tests use it; so can you, after `npm run build`).
if (!process.env.MIRROR_TRAY_SKIP_BUILD) {
  const status = await build();
  if (status !== 0) process.exit(status);
}

/** The path `require('electron')` gives, if the binary is really there. */
function findElectron() {
  try {
    const id = require.resolve('electron');
    delete require.cache[id];
    const binary = require(id);
    return typeof binary === 'string' && existsSync(binary) ? binary : null;
  } catch {
    return null;
  }
}

function installElectron() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD)
    return 'ELECTRON_SKIP_BINARY_DOWNLOAD is set, so no download was tried';
  let script;
  try {
    script = join(dirname(require.resolve('electron/package.json')), 'install.js');
  } catch {
    return 'the electron package is not installed (run npm install)';
  }
  console.error('Downloading the Electron runtime, about 100 MB (up to 3 min; once only)…');
  const result = spawnSync(process.execPath, [script], {
    cwd: root,
    encoding: 'utf8',
    timeout: INSTALL_TIMEOUT_MILLIS,
    killSignal: 'SIGKILL',
  });
  const timedOut = result.error?.code === 'ETIMEDOUT' || result.signal === 'SIGKILL';
  if (result.status === 0 && !timedOut) return null;
  return summariseInstallError(
    `${result.stderr ?? ''}\n${result.stdout ?? ''}`,
    timedOut,
    downloadSource(process.env),
  );
}

let binary = findElectron();
let installError = null;
if (binary === null) {
  installError = installElectron();
  binary = findElectron();
}

const plan = planLaunch({
  platform: process.platform,
  env: process.env,
  electronBinary: binary,
  installError,
});

function runHeadless(reason) {
  console.error(reason);
  const ignored = ignoredInHeadless(args);
  if (ignored.length > 0)
    console.error(`Ignored in the headless mode (desktop or Chromium options): ${ignored.join(' ')}`);
  // scripts/headless.mjs runs the bundle this script's build just made (plain Node, no TypeScript
  // loader): MIRROR_TRAY_SKIP_BUILD, so it does not look again.
  const child = spawn(process.execPath, ['scripts/headless.mjs', ...headlessArgs(args)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, MIRROR_TRAY_SKIP_BUILD: '1' },
  });
  relay(child);
}

/** Whether this script passed a signal on to the child (then its end by signal is no crash). */
let relayedSignal = false;

/**
 * Headless child: passes termination on, and leaves with its exit code. Ctrl-C in a terminal already
 * reaches it (same process group), so SIGINT is only passed on when there is no terminal (another
 * program sent it to this process alone). SIGTERM is always passed on: npm passes it to its own
 * child only. (The headless mode takes a repeated signal as the same one clean stop.)
 */
function relay(child, onExit) {
  process.on('SIGINT', () => {
    if (process.stdin.isTTY) return;
    relayedSignal = true;
    child.kill('SIGINT');
  });
  process.on('SIGTERM', () => {
    relayedSignal = true;
    child.kill('SIGTERM');
  });
  exitWith(child, onExit);
}

/**
 * Electron child: it runs in a process group of its own (see below), so a signal reaches it only
 * through here, and exactly once: Chromium quits gracefully on the first SIGINT/SIGTERM/SIGHUP and
 * dies at once on a second. The first signal this script gets (Ctrl-C, npm's SIGTERM, a hang-up,
 * or the same one twice, from the terminal and from npm) is passed on; later ones are not.
 */
function relayOnce(child, onExit) {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const pass = (signal) => {
    if (relayedSignal) return;
    relayedSignal = true;
    child.kill(signal);
  };
  for (const signal of signals) process.on(signal, pass);
  exitWith(child, onExit);
}

function exitWith(child, onExit) {
  child.on('exit', (code, signal) => {
    if (onExit?.(code, signal)) return;
    process.exit(code ?? (signal ? 1 : 0));
  });
}

if (plan.mode === 'headless') {
  runHeadless(plan.reason);
} else {
  const started = Date.now();
  const child = spawn(plan.binary, [root, ...args], {
    cwd: root,
    stdio: 'inherit',
    env: electronEnv(process.env),
    // Out of the terminal's process group (POSIX), so that Ctrl-C or a SIGTERM to the whole group
    // does not reach it beside the one this script passes on. Not on Windows (a console of its own).
    detached: process.platform !== 'win32',
  });
  relayOnce(child, (code, signal) => {
    // Electron that dies at once gets the fallback too: missing system libraries (an exit code), or a
    // crash by signal (the Linux sandbox refused, no usable display), unless we sent the signal.
    const crashed = (code !== 0 && code !== null) || (signal !== null && !relayedSignal);
    if (crashed && Date.now() - started < 5000) {
      for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(name);
      runHeadless(
        `Electron exited at start (${signal ? `signal ${signal}` : `code ${code}`}; see its message above): starting the headless mode instead, so open the UI at the address below.`,
      );
      return true;
    }
    return false;
  });
}
