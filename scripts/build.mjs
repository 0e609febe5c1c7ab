// Builds what the app runs: the window's UI (vite → dist/renderer), the desktop shell with the
// tunnel's child process (esbuild → dist/electron) and the headless mode (esbuild → dist/headless).
// No argument builds all; `--ui`, `--electron` or `--headless` builds one part; the UI and the
// headless mode only when older than their sources (`--force`: always).
// `--electron-out=DIR` writes the electron part to DIR/electron instead of dist/electron (tests
// build their own copy under .tmp/, so parallel tests never share one).
//
// dist/electron/main.js         the Electron main process (ESM: electron-store is ESM-only)
// dist/electron/ngrok-child.js  the ngrok child; server/tunnel/ngrok-child-entry.ts looks for it next
//                               to the bundle that forks it, i.e. next to main.js
// dist/electron/answer-parser-worker.js  the thread that parses large backend answers
//                               (server/telemetry/answer-parser.ts looks for it next to main.js)
// dist/electron/assets/         tray and window icons
// dist/headless/headless.js     the headless mode (scripts/headless.mjs runs it with plain Node: no
//                               TypeScript loader in the running app), its ngrok-child.js beside it
//
// Dependencies stay external (`packages: 'external'`): they are loaded from node_modules at run
// time, as in development, and electron-builder packs the production ones (@ngrok's native module
// unpacked from the asar). Only our own TypeScript (electron/, server/, package.json) is bundled.
import { cpSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUpToDate } from './build-freshness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const electronOut = argv.find((arg) => arg.startsWith('--electron-out='))?.slice('--electron-out='.length);
const force = argv.includes('--force');
const only = new Set(argv.filter((arg) => !arg.startsWith('--electron-out=') && arg !== '--force'));
const wants = (part) => only.size === 0 || only.has(`--${part}`);

// An up-to-date UI is not built again (build-freshness.mjs); --force builds it whatever its age.
if (wants('ui') && existsSync(join(root, 'renderer/index.html')) && (force || !isUpToDate(root, 'ui'))) {
  const { build: viteBuild } = await import('vite');
  await viteBuild({ configFile: join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
}

if (wants('electron')) {
  const { build } = await import('esbuild');
  const outdir = resolve(root, electronOut ?? 'dist', 'electron');
  rmSync(outdir, { recursive: true, force: true });
  await build({
    absWorkingDir: root,
    entryPoints: {
      main: 'electron/main.ts',
      'ngrok-child': 'server/tunnel/ngrok-child.ts',
      'answer-parser-worker': 'server/telemetry/answer-parser-worker.ts',
    },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // Electron's own Node is newer; node20 keeps the child script runnable by a plain Node 20 too.
    target: 'node20',
    packages: 'external',
    external: ['electron'],
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
  mkdirSync(join(outdir, 'assets'), { recursive: true });
  cpSync(join(root, 'electron/assets'), join(outdir, 'assets'), { recursive: true });
}

if (wants('headless') && (force || !isUpToDate(root, 'headless'))) {
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: root,
    entryPoints: { headless: 'server/cli/headless.ts', 'ngrok-child': 'server/tunnel/ngrok-child.ts' },
    outdir: join(root, 'dist', 'headless'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  // Each file written beside its place and renamed over it: a headless mode starting meanwhile (or
  // a second build at the same time) reads the old file or the new one, never half of one.
  // The bundle last, so a fresh bundle never meets a stale ngrok child.
  const files = [...result.outputFiles].sort(
    (a, b) => Number(a.path.endsWith('headless.js')) - Number(b.path.endsWith('headless.js')),
  );
  for (const file of files) {
    mkdirSync(dirname(file.path), { recursive: true });
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
}
