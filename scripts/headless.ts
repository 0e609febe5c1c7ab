// `npm run headless`: builds the window's UI (as `node scripts/build.mjs --ui` does), then runs the
// headless mode (server/cli/headless.ts), both in this one process. package.json runs it with `exec`, so this
// process is npm's own child, with no shell in between: npm passes SIGTERM and SIGINT on to its child
// only, and a shell or a second process there would not pass them on, leaving the mirror running.
// MIRROR_TRAY_SKIP_BUILD=1 starts what is already built, as with `npm start`.
import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from '../server/cli/headless';

const root = fileURLToPath(new URL('..', import.meta.url));
const uiEntry = join(root, 'renderer/index.html');

if (!process.env.MIRROR_TRAY_SKIP_BUILD && existsSync(uiEntry)) {
  // A signal during the build ends it at once: nothing runs yet that needs stopping.
  const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const end = (signal: NodeJS.Signals) => process.exit(128 + constants.signals[signal]);
  for (const signal of SIGNALS) process.on(signal, end);
  const { build } = await import('vite');
  await build({ configFile: join(root, 'renderer/vite.config.ts'), logLevel: 'warn' });
  for (const signal of SIGNALS) process.off(signal, end);
}

run(process.argv.slice(2));
