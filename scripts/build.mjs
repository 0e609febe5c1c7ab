// Builds what the app runs: the window's UI (vite → dist/renderer) and, with --electron,
// the desktop shell and the tunnel's child process (esbuild → dist/). `--ui` builds the UI only.
import { existsSync } from 'node:fs';
import { build as viteBuild } from 'vite';

const only = new Set(process.argv.slice(2));
const wants = (part) => only.size === 0 || only.has(`--${part}`);

if (wants('ui') && existsSync('renderer/index.html')) {
  await viteBuild({ configFile: 'renderer/vite.config.ts', logLevel: 'warn' });
}
