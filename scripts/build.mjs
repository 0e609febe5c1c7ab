// Builds what the app runs: the window's UI (vite → dist/renderer) and the desktop shell with the
// tunnel's child process (esbuild → dist/electron). No argument builds both; `--ui` or `--electron`
// builds one part. `--electron-out=DIR` writes the electron part to DIR/electron instead of
// dist/electron (tests build their own copy under .tmp/, so parallel tests never share one).
//
// dist/electron/main.js         the Electron main process (ESM: electron-store is ESM-only)
// dist/electron/ngrok-child.js  the ngrok child; server/tunnel/ngrok-child-entry.ts looks for it next
//                               to the bundle that forks it, i.e. next to main.js
// dist/electron/answer-parser-worker.js  the thread that parses large backend answers
//                               (server/telemetry/answer-parser.ts looks for it next to main.js)
// dist/electron/assets/         tray and window icons
//
// Dependencies stay external (`packages: 'external'`): they are loaded from node_modules at run
// time, as in development, and electron-builder packs the production ones (@ngrok's native module
// unpacked from the asar). Only our own TypeScript (electron/, server/, package.json) is bundled.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const electronOut = argv.find((arg) => arg.startsWith('--electron-out='))?.slice('--electron-out='.length);
const only = new Set(argv.filter((arg) => !arg.startsWith('--electron-out=')));
const wants = (part) => only.size === 0 || only.has(`--${part}`);

if (wants('ui') && existsSync(join(root, 'renderer/index.html'))) {
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
