// Runs every test/**/*.test.ts with Node's own test runner (through tsx).
// Node 20's --test takes no globs, so the files are listed here. Extra arguments filter by path.
// At the end it lists every skipped test or suite with its file and reason (a small reporter of
// its own writes them down), so a suite that could not run here is never mistaken for one that passed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * A test reporter that writes one JSON line per test that ran to an end: passed, failed, skipped (with
 * its file and reason) or todo. Suites are left out, as Node's own summary leaves them out.
 */
const SKIP_REPORTER = `export default async function* outcomes(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, name, skip, todo, details } = event.data;
    if (details?.type === 'suite' && skip === undefined) continue;
    const outcome =
      skip !== undefined ? 'skipped' : todo !== undefined ? 'todo' : event.type === 'test:pass' ? 'passed' : 'failed';
    const reason = skip === undefined || skip === true ? '' : String(skip);
    yield JSON.stringify({ outcome, file: file ?? '', name, reason }) + '\\n';
  }
}
`;

/** The environment less LC_ALL and LC_MESSAGES, which ICU (Node's and Chromium's) reads before LANG. */
const withoutLocaleOverrides = (env) =>
  Object.fromEntries(Object.entries(env).filter(([name]) => name !== 'LC_ALL' && name !== 'LC_MESSAGES'));

const walk = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : entry.name.endsWith('.test.ts') ? [path] : [];
  });

const filters = process.argv.slice(2);
const files = walk('test')
  .filter((file) => filters.length === 0 || filters.some((f) => file.includes(f)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}
const workDir = mkdtempSync(join(tmpdir(), 'run-tests-'));
const reporter = join(workDir, 'skip-reporter.mjs');
const skipFile = join(workDir, 'skipped.jsonl');
writeFileSync(reporter, SKIP_REPORTER);
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    '--test-timeout=120000',
    // What Node would print by itself (spec on a terminal, TAP otherwise), plus the skips to a file.
    `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
    '--test-reporter-destination=stdout',
    `--test-reporter=${pathToFileURL(reporter).href}`,
    `--test-reporter-destination=${skipFile}`,
    ...files,
  ],
  // One language for every machine: the tests read English text and numbers ("1,440 points"), which
  // the window writes in the reader's locale (a German machine would see "1.440"). Through LANG,
  // with the variables that would override it removed: an LC_ALL naming a locale the system lacks
  // makes every bash a test starts print a warning, where a missing LANG locale is silent.
  { stdio: 'inherit', env: { ...withoutLocaleOverrides(process.env), LANG: 'en_US.UTF-8' } },
);
let lines = [];
try {
  lines = readFileSync(skipFile, 'utf8').split('\n').filter(Boolean);
} catch {
  // No file: the runner did not start, so nothing was skipped either.
}
rmSync(workDir, { recursive: true, force: true });
const outcomes = lines.map((line) => JSON.parse(line));
const count = (outcome) => outcomes.filter((entry) => entry.outcome === outcome).length;
const skipped = outcomes.filter((entry) => entry.outcome === 'skipped');
if (skipped.length > 0) {
  console.log(`\nskipped (${skipped.length}), with the reason each gives:`);
  for (const { file, name, reason } of skipped) {
    console.log(
      `  ${file ? relative(process.cwd(), file) : '?'} › ${name}: ${reason || '(no reason given)'}`,
    );
  }
}
// One plain closing line, the same in any runner's words.
console.log(`\n${count('passed')} passed, ${count('failed')} failed, ${skipped.length} skipped`);
process.exit(result.status ?? 1);
