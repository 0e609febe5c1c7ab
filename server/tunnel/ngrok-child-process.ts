// One ngrok child process as the parent sees it: typed messages in and out, a promise for its
// exit, and a way to end it that always works (ask, then SIGTERM, then SIGKILL).
import { type ChildProcess, fork } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import type { ChildEntry } from './ngrok-child-entry';
import { type ChildMessage, type ParentMessage, parseChildMessage } from './ngrok-protocol';

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

interface ChildEvents {
  message: [ChildMessage];
  exit: [ChildExit];
}

export interface SpawnChildOptions {
  entry: ChildEntry;
  env?: NodeJS.ProcessEnv;
  /** Receives what the child prints. The child never prints the token (tested); still, redact before logging. */
  onOutput: (text: string, stream: 'stdout' | 'stderr') => void;
}

// Safety net: whatever way the app exits, its ngrok children go with it.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;
function trackLiveChild(child: ChildProcess): void {
  liveChildren.add(child);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', killNgrokChildrenNow);
}

/**
 * Kills every ngrok child at once, synchronously (SIGKILL): for an ending that cannot wait, such as
 * Windows ending the session. Returns how many were running.
 */
export function killNgrokChildrenNow(): number {
  const count = liveChildren.size;
  for (const live of liveChildren) live.kill('SIGKILL');
  return count;
}

const pause = (millis: number) => new Promise<void>((resolve) => setTimeout(resolve, millis).unref());

export class NgrokChildProcess extends EventEmitter<ChildEvents> {
  readonly exited: Promise<ChildExit>;
  #exit: ChildExit | null = null;

  private constructor(private readonly child: ChildProcess) {
    super();
    this.exited = new Promise((resolve) => {
      const finish = (exit: ChildExit) => {
        if (this.#exit) return;
        this.#exit = exit;
        liveChildren.delete(child);
        resolve(exit);
        this.emit('exit', exit);
      };
      child.once('exit', (code, signal) => finish({ code, signal }));
      // A child that could not even start emits 'error' and never 'exit'.
      child.on('error', () => {
        if (child.pid === undefined) finish({ code: null, signal: null });
      });
    });
    child.on('message', (raw: unknown) => {
      const message = parseChildMessage(raw);
      if (message) this.emit('message', message);
    });
  }

  static spawn(options: SpawnChildOptions): NgrokChildProcess {
    const child = fork(options.entry.modulePath, [], {
      execArgv: options.entry.execArgv,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      // Its own process group (POSIX), so that Ctrl-C in a terminal, which signals the whole
      // foreground group, does not kill it before the session closes it. It still leaves when this
      // process does (its IPC channel closes). Not on Windows: there it would get its own console.
      detached: process.platform !== 'win32',
    });
    trackLiveChild(child);
    for (const stream of ['stdout', 'stderr'] as const) {
      const readable = child[stream];
      if (!readable) continue;
      // Whole lines only, so that redaction downstream never sees a secret split across two chunks.
      createInterface({ input: readable, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
        options.onOutput(`${line}\n`, stream),
      );
    }
    return new NgrokChildProcess(child);
  }

  get pid(): number | null {
    return this.child.pid ?? null;
  }

  get hasExited(): boolean {
    return this.#exit !== null;
  }

  send(message: ParentMessage): void {
    if (this.hasExited || !this.child.connected) return;
    // A send fails if the child dies at that moment; its exit is reported separately, so ignore it.
    this.child.send(message, () => undefined);
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMillis`. Resolves once it has exited. */
  async kill(graceMillis = 500): Promise<ChildExit> {
    if (!this.hasExited) {
      this.child.kill('SIGTERM');
      await Promise.race([this.exited, pause(graceMillis)]);
      if (!this.hasExited) this.child.kill('SIGKILL');
    }
    return this.exited;
  }

  /** Asks the child to close its ngrok session and exit; kills it if it has not within `timeoutMillis`. */
  async stop(timeoutMillis: number, killGraceMillis = 500): Promise<ChildExit> {
    if (!this.hasExited) {
      this.send({ type: 'close' });
      await Promise.race([this.exited, pause(timeoutMillis)]);
    }
    return this.kill(killGraceMillis);
  }
}
