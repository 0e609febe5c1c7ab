// Shared by the tunnel tests: process liveness, polling, and status recording.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Tunnel, TunnelStatus } from '../../server/tunnel/tunnel';

/**
 * True while a process with this id runs (signal 0 checks without sending anything). On Linux an
 * exited child whose parent is gone can linger as a zombie until init reaps it: that counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw error;
  }
  return !isZombie(pid);
}

function isZombie(pid: number): boolean {
  if (process.platform !== 'linux') return false;
  try {
    // /proc/<pid>/stat: "pid (command) state …"; the command may contain spaces, so split after ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean, timeoutMillis = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

export function recordStatuses(tunnel: Tunnel): TunnelStatus[] {
  const statuses: TunnelStatus[] = [];
  tunnel.on('status', (status) => statuses.push(status));
  return statuses;
}

/**
 * Records a tunnel's statuses, and everything it says (statuses as JSON) into `said`, and the pid of
 * every child it forks into `pids`, so a test can check the token never shows and no child is left.
 */
export function watchTunnel(
  tunnel: Tunnel & { childPid: number | null },
  said: string[],
  pids: Set<number>,
): TunnelStatus[] {
  const statuses = recordStatuses(tunnel);
  tunnel.on('status', (status) => {
    said.push(JSON.stringify(status));
    if (tunnel.childPid !== null) pids.add(tunnel.childPid);
  });
  return statuses;
}

/** Kills whatever a failed test may have left behind, so the suite never leaves a process running. */
export function killLeftovers(pids: Iterable<number>): void {
  for (const pid of pids) {
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  }
}

/**
 * Resolves as `promise` does, or rejects with `message` after `millis`: a hang fails with its cause
 * long before the runner's per-test time-out.
 */
/**
 * Closes the tunnels a test opened. Bounded: a close() that hangs (a child never killed) fails here
 * with its cause; a leak check after the tests then names the child and kills it.
 */
export async function closeWithin(tunnels: readonly Tunnel[]): Promise<void> {
  await within(
    Promise.all(tunnels.map((tunnel) => tunnel.close(500))),
    5000,
    'broken promise: close() returns within its time-out, but closing the tunnels had not finished 5 s later',
  );
}

export async function within<T>(promise: Promise<T>, millis: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), millis);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The leak check: waits up to `graceMillis` for each child to be gone, THEN kills what is left (so
 * the suite leaves nothing running) and returns a sentence per child that had outlived its close, so
 * the caller can fail with it. Checking after killing could never fail.
 */
export async function childrenLeftAlive(
  pids: Iterable<number>,
  graceMillis = 3000,
  what = 'the tunnel child',
): Promise<string[]> {
  const deadline = Date.now() + graceMillis;
  let alive = [...pids].filter(isAlive);
  while (alive.length > 0 && Date.now() < deadline) {
    await sleep(20);
    alive = alive.filter(isAlive);
  }
  killLeftovers(alive);
  return alive.map((pid) => `${what} ${pid} is still alive ${graceMillis / 1000} s after close`);
}
