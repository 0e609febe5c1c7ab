// Is a built part as new as what it is built from? A part newer than every one of its inputs is up
// to date, so `npm start` and `npm run headless` skip building it (vite takes a second or two).
//   ui        dist/renderer: renderer/ and the run-time part of server/contract/contract.ts (ROUTES;
//             the rest of server/ is imported as types only), with the vite in package-lock.json
//   headless  dist/headless: the headless mode bundled (esbuild), from server/ and package.json
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUILT_PARTS = {
  ui: {
    output: 'dist/renderer/index.html',
    inputs: ['renderer', 'server/contract/contract.ts', 'package-lock.json'],
  },
  headless: { output: 'dist/headless/headless.js', inputs: ['server', 'package.json', 'package-lock.json'] },
};

/** Newest modification time (ms) of a file, or of every file under a folder; 0 when absent. */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

/** True when the part's output exists and is newer than every input. */
export function isUpToDate(root, part) {
  const { output, inputs } = BUILT_PARTS[part];
  const built = newest(join(root, output));
  return built > 0 && inputs.every((input) => newest(join(root, input)) < built);
}
