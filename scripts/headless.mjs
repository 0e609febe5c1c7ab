// `npm run headless`: brings the window's UI and the headless bundle up to date (in a child process,
// `node scripts/build.mjs`, so vite's and esbuild's memory goes with it; skipped when nothing
// changed), then runs the headless mode (dist/headless/headless.js) in this process, with plain Node:
// no bundler and no TypeScript loader stay in the running app. package.json runs it with `exec`, so
// this process is npm's own child, with no shell in between: npm passes SIGTERM and SIGINT on to its
// child only, and a shell there would not pass them on, leaving the mirror running.
// MIRROR_TRAY_SKIP_BUILD=1 skips the UI's build, as with `npm start`; the headless bundle is still
// brought up to date (it is the program itself, and quick to make; written atomically, so a start
// beside it never reads half a file).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isUpToDate } from './build-freshness.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const skip = Boolean(process.env.MIRROR_TRAY_SKIP_BUILD);

/** Builds the given parts in a child; a signal meanwhile ends the build and this process (nothing runs yet). */
function build(parts) {
  const child = spawn(process.execPath, [join(root, 'scripts/build.mjs'), ...parts], {
    cwd: root,
    stdio: 'inherit',
  });
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const end = (signal) => {
    child.kill(signal);
    process.exit(128 + constants.signals[signal]);
  };
  for (const signal of signals) process.on(signal, end);
  return new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (code) => {
      for (const signal of signals) process.off(signal, end);
      resolve(code ?? 1);
    });
  });
}

const parts = [];
if (!skip && existsSync(join(root, 'renderer/index.html')) && !isUpToDate(root, 'ui')) parts.push('--ui');
if (!isUpToDate(root, 'headless')) parts.push('--headless');
if (parts.length > 0) {
  const status = await build(parts);
  if (status !== 0) process.exit(status);
}

const { run } = await import(pathToFileURL(join(root, 'dist/headless/headless.js')).href);
run(process.argv.slice(2));
