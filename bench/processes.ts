// Starts bench/server-process.ts in a child process and talks to it over IPC.
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { FromServer, ToServer } from './server-process';

export interface ServerProcess {
  port: number;
  ask<T extends FromServer['type']>(message: ToServer, answer: T): Promise<Extract<FromServer, { type: T }>>;
  stop(): Promise<void>;
}

const SCRIPT = new URL('./server-process.ts', import.meta.url);

export async function startServerProcess(
  mode: 'mirror' | 'mirror-fixed' | 'baseline',
): Promise<ServerProcess> {
  const child = fork(SCRIPT, [mode], {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const next = <T extends FromServer['type']>(type: T) => nextMessage(child, type);
  const { port } = await next('listening');
  return {
    port,
    ask: (message, answer) => {
      const reply = next(answer);
      child.send(message);
      return reply;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.disconnect();
      const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
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
