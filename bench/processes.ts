// Starts bench/server-process.ts in a child process and talks to it over IPC. The headless mode's
// stdout (its request lines) is read and counted, never left to fill up.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import type { FromServer, ServerMode, ToServer } from './server-process';

export interface ServerProcess {
  port: number;
  pid: number;
  /** The window's address (with its token), for `headless` only. */
  uiUrl: string | null;
  /** Lines the process printed on stdout so far (`headless`: one per request). */
  readonly linesPrinted: number;
  ask<T extends FromServer['type']>(message: ToServer, answer: T): Promise<Extract<FromServer, { type: T }>>;
  stop(): Promise<void>;
}

const SCRIPT = new URL('./server-process.ts', import.meta.url);

export async function startServerProcess(mode: ServerMode): Promise<ServerProcess> {
  const child = fork(SCRIPT, [mode], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  let linesPrinted = 0;
  const ready = new Promise<{ port: number; uiUrl: string | null }>((resolve, reject) => {
    // Lines are read as text only until the ready line; after it, only counted (newlines in the raw
    // bytes), as a pipe into a file or a log shipper takes them: a reader that made a string of every
    // line would take a share of this 2-core machine from the server it measures.
    let text = '';
    let readyLine = mode !== 'headless';
    child.stdout?.on('data', (chunk: Buffer) => {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) linesPrinted++;
      if (readyLine) return;
      text += chunk.toString('utf8');
      // Whole lines only: the last piece may be a line still on its way.
      const line = text
        .split('\n')
        .slice(0, -1)
        .find((candidate) => candidate.startsWith('{"event":"ready"'));
      if (!line) return;
      readyLine = true;
      text = '';
      const event = JSON.parse(line) as { listenPort: number; uiUrl: string };
      resolve({ port: event.listenPort, uiUrl: event.uiUrl });
    });
    if (mode !== 'headless')
      nextMessage(child, 'listening').then(({ port }) => resolve({ port, uiUrl: null }), reject);
    else child.once('exit', (code) => reject(new Error(`the headless process exited with ${code}`)));
  });
  const { port, uiUrl } = await ready;
  return {
    port,
    pid: child.pid ?? 0,
    uiUrl,
    get linesPrinted() {
      return linesPrinted;
    },
    ask: (message, answer) => {
      const reply = nextMessage(child, answer);
      child.send(message);
      return reply;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      // The headless mode stops on SIGTERM, as from a terminal (and then writes its CPU profile).
      if (mode === 'headless') child.kill('SIGTERM');
      else child.disconnect();
      const kill = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(kill);
    },
  };
}

function nextMessage<T extends FromServer['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<FromServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: FromServer) => {
      if (message.type !== type) return;
      cleanUp();
      resolve(message as Extract<FromServer, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanUp();
      reject(new Error(`the ${type} answer never came: the server process exited with ${code}`));
    };
    const cleanUp = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/** User + system CPU time of a process, in milliseconds, read from outside it (no wake-up). */
export async function cpuMillis(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time of a process's main thread in milliseconds, to the nanosecond (its schedstat: time on a CPU). */
export async function mainThreadMillis(pid: number): Promise<number> {
  const schedstat = await readFile(`/proc/${pid}/task/${pid}/schedstat`, 'utf8');
  return Number(schedstat.split(' ')[0]) / 1e6;
}
