// `npm run screenshots`: redraws the README's pictures (docs/screenshots/*.png) from the running
// app in Chromium. The test behind it (test/e2e/readme-screenshots.test.ts) writes them to
// test-results/ on an ordinary test run; here it is asked to write the tracked ones. Commit them
// when they change.
import { spawnSync } from 'node:child_process';

const run = (args, env = process.env) =>
  spawnSync(process.execPath, args, { stdio: 'inherit', env }).status ?? 1;

const built = run(['scripts/build.mjs', '--ui']);
if (built !== 0) process.exit(built);
process.exit(
  run(['scripts/run-tests.mjs', 'test/e2e/readme-screenshots.test.ts'], {
    ...process.env,
    README_SCREENSHOTS: 'docs',
  }),
);
