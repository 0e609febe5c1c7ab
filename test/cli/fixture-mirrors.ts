// The faulty mirrors of test/cli/fixtures/faulty_mirror.py (each breaks ONE protocol rule), started
// on loopback with a free port, and `npm run check` run as a child process, as a user runs it.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FIXTURE = fileURLToPath(new URL('./fixtures/faulty_mirror.py', import.meta.url));

/** The fault each fixture has, and the one rule `npm run check` must fail for it. */
export const FAULTS = {
  'no-key-on-errors': 'key-header',
  'buckets-ignored': 'buckets',
  unsorted: 'sorted',
  'html-errors': 'error-object',
  hang: 'in-time',
  reset: 'answered',
  'wrong-partial': 'is-partial',
} as const;
export type Fault = keyof typeof FAULTS | 'none';

/** The key every fixture sends. */
export const FIXTURE_KEY = 'fixture-key';

export interface FixtureMirror {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startFixture(fault: Fault): Promise<FixtureMirror> {
  const child = spawn('python3', [FIXTURE, fault], { stdio: ['ignore', 'pipe', 'ignore'] });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(() => {
      throw new Error(`the ${fault} fixture exited before it listened`);
    }),
  ])) as [string];
  const port = Number(first);
  return { url: `http://127.0.0.1:${port}/`, port, stop: () => stopChild(child) };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
}

export interface CheckJson {
  checks: { id: string; title: string; status: 'pass' | 'fail' | 'warn'; detail: string }[];
  summary: { pass: number; fail: number; warn: number };
}

/** `node --import tsx server/cli/check.ts ARGS` (what `npm run check -- ARGS` execs), with its output. */
export async function runCheck(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/cli/check.ts', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code] = (await once(child, 'exit')) as [number];
  return { code, stdout, stderr };
}

export const failing = (report: CheckJson) =>
  report.checks.filter((check) => check.status === 'fail').map((check) => check.id);
