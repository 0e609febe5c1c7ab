// f. The headless app as a user starts it, `npm run headless` (UI and bundle already up to date):
// time from the command to its ready line, and resident memory once idle, each against a bare Node
// process (node:http listening on a free port, printing one line) measured in the same turns. The
// app's process is npm's child (the script `exec`s node), read from /proc: Linux only.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { megabytes, type Row } from './report';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** How long a process sits idle before its memory is read (start-up garbage collected by then). */
const IDLE_SETTLE_MILLIS = 10_000;
const BARE_NODE = `require('node:http').createServer((q, s) => s.end()).listen(0, '127.0.0.1', () => console.log('ready'));`;

interface Started {
  readyMillis: number;
  rssBytes: number;
}

function rssOf(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

/** The one child of `pid` (npm's: the app that `exec node` became). */
function childOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
  return Number(children[0]);
}

async function startAndMeasure(
  command: string,
  args: string[],
  readyLine: RegExp,
  appPid: (child: ChildProcess) => number,
): Promise<Started> {
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NGROK_AUTHTOKEN: '' },
  });
  try {
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (readyLine.test(line)) resolve();
      });
      child.once('exit', (code) =>
        reject(new Error(`${command} ${args.join(' ')} exited with ${code} before it was ready`)),
      );
    });
    const readyMillis = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MILLIS));
    return { readyMillis, rssBytes: rssOf(appPid(child)) };
  } finally {
    child.kill('SIGTERM');
    if (child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const spread = (values: number[], format: (n: number) => string) =>
  `${format(Math.min(...values))}–${format(Math.max(...values))}`;

export async function headlessStartRows(turns: number, log: (line: string) => void): Promise<Row[]> {
  // Up to date first: the figure is a start with nothing to build (the build, when needed, runs in a
  // child process of its own and leaves nothing behind in the app).
  execFileSync(process.execPath, ['scripts/build.mjs', '--ui', '--headless'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const app: Started[] = [];
  const bare: Started[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'mirror-bench-start-'));
  try {
    for (let turn = 0; turn < turns; turn++) {
      const settings = join(dir, `s${turn}.json`);
      app.push(
        await startAndMeasure(
          'npm',
          ['run', 'headless', '--', '--json', '--port', '0', '--tunnel', 'none', '--settings', settings],
          /^\{"event":"ready"/,
          (child) => childOf(child.pid!),
        ),
      );
      bare.push(await startAndMeasure(process.execPath, ['-e', BARE_NODE], /^ready$/, (child) => child.pid!));
      log(
        `  turn ${turn + 1}: app ${megabytes(app.at(-1)!.rssBytes)} ready in ${Math.round(app.at(-1)!.readyMillis)} ms; bare Node ${megabytes(bare.at(-1)!.rssBytes)} in ${Math.round(bare.at(-1)!.readyMillis)} ms`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const appRss = app.map((s) => s.rssBytes / 1024 / 1024);
  const bareRss = bare.map((s) => s.rssBytes / 1024 / 1024);
  const appReady = app.map((s) => s.readyMillis / 1000);
  const bareReady = bare.map((s) => s.readyMillis / 1000);
  const mb = (n: number) => n.toFixed(0);
  const s = (n: number) => n.toFixed(2);
  return [
    {
      figure: `f. idle RSS of npm run headless, ${IDLE_SETTLE_MILLIS / 1000} s after ready (MB)`,
      measured: `${mb(median(appRss))} MB`,
      baseline: `bare Node ${mb(median(bareRss))} MB (×${(median(appRss) / median(bareRss)).toFixed(2)})`,
      value: median(appRss),
      spread: spread(appRss, mb),
      target: { kind: 'atMost', limit: 120, unit: ' MB' },
    },
    {
      figure: 'f. npm run headless: command to ready line (s)',
      measured: `${s(median(appReady))} s`,
      baseline: `bare Node ${s(median(bareReady))} s (×${(median(appReady) / median(bareReady)).toFixed(1)})`,
      value: median(appReady),
      spread: spread(appReady, s),
      target: { kind: 'atMost', limit: 2, unit: ' s' },
    },
  ];
}
