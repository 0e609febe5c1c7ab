// The BUILT main process (dist/electron/main.js, bundled by scripts/build.mjs) run under plain Node
// with StandInElectron (test/electron/stand-in-electron/) in place of Electron, whose binary cannot
// be downloaded here, with a remote control over its IPC channel. Shared by the suites that run it.
import assert from 'node:assert/strict';
import { type ChildProcess, fork, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const REGISTER = pathToFileURL(join(ROOT, 'test/electron/stand-in-electron/register.mjs')).href;
export const TOKEN = '2abcDEFghiJKLmnoPQRstu_3vwXYZ0123456789abcdef';

export interface Snapshot {
  tray: {
    image: string;
    template: boolean;
    tooltip: string;
    menu: ({ label: string; enabled: boolean } | { separator: true })[];
    clickListeners: number;
  } | null;
  window: {
    visible: boolean;
    focused: boolean;
    redundantShows: number;
    destroyed: boolean;
    loads: number;
    options: { width: number; height: number; webPreferences: Record<string, unknown> };
    loaded: { url: string; status: number; csp: string | null; body: string } | null;
    bounds: { x: number; y: number; width: number; height: number };
  } | null;
  clipboard: string;
  applicationMenu: string[] | null;
  notifications: { title: string; body: string }[];
  errorBoxes: { title: string; content: string }[];
  messageBoxes: { type: string; message: string; detail: string }[];
  dock: { visible: boolean; hides: number; shows: number; ignoredHides: number } | null;
  openedExternally: string[];
  sandbox: string;
  safeStorageCalls: number;
  hooks: {
    state: import('../../server/contract/contract').SessionState;
    uiUrl: string;
    controlPort: number;
    logPath: string;
    settingsPath: string;
  } | null;
}

/** Every app a test started: killed at the end if a failed test left it running. */
const started = new Set<ChildProcess>();

/** The built main process, with a remote control over its IPC channel. */
export class App {
  readonly exited: Promise<{ code: number | null; reported: number | null }>;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private reportedExit: number | null = null;
  output = '';

  /** What the app printed, and its main.log (where a packaged app reports errors), for failure messages. */
  private said(): string {
    let log = '(none)';
    try {
      if (this.logPath) log = readFileSync(this.logPath, 'utf8').slice(-4000);
    } catch {
      // not written
    }
    return `output:\n${this.output}\nmain.log:\n${log}`;
  }

  constructor(
    readonly child: ChildProcess,
    private readonly logPath: string | null = null,
  ) {
    child.stdout?.on('data', (chunk) => {
      this.output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      this.output += chunk;
    });
    child.on(
      'message',
      (message: { type: string; id?: number; value?: unknown; error?: string; code?: number }) => {
        if (message.type === 'exit') this.reportedExit = message.code ?? null;
        if (message.type !== 'reply' || message.id === undefined) return;
        const waiter = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiter?.reject(new Error(message.error));
        else waiter?.resolve(message.value);
      },
    );
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        // A command the app can no longer answer fails with what the app said before it left.
        for (const [id, waiter] of this.pending) {
          this.pending.delete(id);
          waiter.reject(
            new Error(
              `the app exited (code ${code}, signal ${signal}) before answering; output:\n${this.output}`,
            ),
          );
        }
        resolve({ code, reported: this.reportedExit });
      }),
    );
  }

  /** Starts the main process built into `work` (see buildApp). */
  static start(work: string, args: string[], env: Record<string, string> = {}): App {
    const main = join(work, 'electron', 'main.js');
    const child = fork(main, args, {
      execArgv: ['--import', REGISTER],
      env: {
        ...process.env,
        MIRROR_TRAY_E2E: '1',
        NGROK_AUTHTOKEN: '',
        // No session bus unless a test brings its own: a tray host is then 'unknown', and nothing changes.
        DBUS_SESSION_BUS_ADDRESS: '',
        XDG_RUNTIME_DIR: '',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    started.add(child);
    child.once('exit', () => started.delete(child));
    const userData = args[args.indexOf('--user-data-dir') + 1];
    return new App(child, userData ? join(userData, 'logs', 'main.log') : null);
  }

  command<T = unknown>(command: string, fields: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      if (this.child.exitCode !== null || this.child.signalCode !== null || !this.child.connected) {
        reject(new Error(`the app has exited; it cannot answer "${command}"; ${this.said()}`));
        return;
      }
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ command, id, ...fields });
    });
  }

  snapshot(): Promise<Snapshot> {
    return this.command<Snapshot>('snapshot');
  }

  async waitFor(what: string, check: (s: Snapshot) => boolean, timeoutMillis = 15_000): Promise<Snapshot> {
    const deadline = Date.now() + timeoutMillis;
    for (;;) {
      const snapshot = await this.snapshot();
      if (check(snapshot)) return snapshot;
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; output:\n${this.output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export const labels = (s: Snapshot) =>
  (s.tray?.menu ?? []).filter((i): i is { label: string; enabled: boolean } => 'label' in i);
export const item = (s: Snapshot, label: string) => labels(s).find((i) => i.label === label);

export function isFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen({ port, host: '127.0.0.1' }, () => server.close(() => resolvePort(true)));
  });
}

/**
 * Builds the main process into .tmp/<name>-<pid> before the suite's tests, and removes it (and
 * kills any app a failed test left running) after them. Returns the folder and a user-data maker.
 */
export function buildApp(name: string): { work: string; userData: (n: number | string) => string } {
  const work = join(ROOT, '.tmp', `${name}-${process.pid}`);
  before(() => {
    rmSync(work, { recursive: true, force: true });
    const built = spawnSync(process.execPath, ['scripts/build.mjs', '--electron', `--electron-out=${work}`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    // The UI, if it has been built (npm test builds it first); otherwise the control API's placeholder page.
    if (existsSync(join(ROOT, 'dist/renderer/index.html'))) {
      cpSync(join(ROOT, 'dist/renderer'), join(work, 'renderer'), { recursive: true });
    }
  });
  after(() => {
    for (const child of started) child.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  });
  return {
    work,
    userData: (n) => {
      const folder = join(work, `user-data-${n}`);
      mkdirSync(folder, { recursive: true });
      return folder;
    },
  };
}

/** The running (not zombie) child processes of `pid` whose command line includes `marker` (Linux /proc). */
export function childrenRunning(pid: number, marker: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (Number(ppid) === pid && state !== 'Z' && command.includes(marker)) found.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** A TCP server on 127.0.0.1 that accepts and never answers: the ngrok child's connect hangs there. */
export async function silentServer(): Promise<{ address: string; accepted: () => number; close(): void }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => sockets.push(socket));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    accepted: () => sockets.length,
    close: () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}
