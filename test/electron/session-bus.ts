// A private D-Bus session bus for a test: a real dbus-daemon, on which nothing else runs.
import { type ChildProcess, spawn } from 'node:child_process';

/** A private D-Bus session bus (dbus-daemon), on which nothing owns a StatusNotifierWatcher. */
export async function privateSessionBus(): Promise<{ address: string; stop(): void }> {
  const daemon: ChildProcess = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const address = await new Promise<string>((resolve, reject) => {
    let text = '';
    daemon.once('error', reject);
    daemon.stdout?.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.trim());
    });
  });
  return { address, stop: () => daemon.kill('SIGKILL') };
}
