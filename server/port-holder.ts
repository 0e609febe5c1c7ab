// Who holds a TCP port, as far as this machine will say: another StackState Mirror Tray (it answers
// its own `GET /`), or a program the OS names (Linux /proc, else `ss`; macOS `lsof`; Windows
// `netstat` + `tasklist`). Best effort and bounded in time: every probe may find nothing, and none
// is a dependency (a missing tool is simply skipped).
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { request } from 'node:http';
import { withoutSecretVariables } from './child-env';
import { APP_NAME } from './version';

export interface PortHolder {
  /** "python3 (pid 4242)", or null when the OS would not say. */
  program: string | null;
  /** Its command line, cut to a line ("python3 mirror_server.py"), where the OS shows it. */
  command: string | null;
  /** Another StackState Mirror Tray answers on the port (it said so on its `GET /`). */
  isThisApp: boolean;
}

/** Each probe's budget: a user waits for the sentence that names the holder. */
const PROBE_MILLIS = 1500;
/** Cut a command line to this many characters (it may be long; it is shown in a sentence). */
const COMMAND_CHARS = 120;

export async function findPortHolder(port: number, platform = process.platform): Promise<PortHolder> {
  const [isThisApp, found] = await Promise.all([
    answersAsThisApp(port),
    programOn(port, platform).catch(() => null),
  ]);
  return { program: found?.program ?? null, command: found?.command ?? null, isThisApp };
}

/** A sentence part: " by python3 (pid 4242: …)", " by another StackState Mirror Tray", or "". */
export function holderPhrase(holder: Omit<PortHolder, 'command'>): string {
  if (holder.isThisApp) return ` by another ${APP_NAME}${holder.program ? ` (${holder.program})` : ''}`;
  return holder.program ? ` by ${holder.program}` : '';
}

type Found = Pick<PortHolder, 'program' | 'command'>;

function programOn(port: number, platform: NodeJS.Platform): Promise<Found | null> {
  if (platform === 'linux') return linuxHolder(port);
  if (platform === 'darwin') return macHolder(port);
  if (platform === 'win32') return windowsHolder(port);
  return Promise.resolve(null);
}

/** GET / of our own mirror names the app (server/mirror/home.ts); anything else is someone else's. */
function answersAsThisApp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', headers: { accept: 'application/json' }, timeout: PROBE_MILLIS },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
          if (body.length > 64 * 1024) req.destroy();
        });
        res.on('end', () => {
          try {
            resolve((JSON.parse(body) as { app?: unknown }).app === APP_NAME);
          } catch {
            resolve(false);
          }
        });
        res.on('error', () => resolve(false));
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(
      command,
      args,
      {
        env: withoutSecretVariables(process.env),
        timeout: PROBE_MILLIS,
        maxBuffer: 4 * 1024 * 1024,
        windowsHide: true,
      },
      (error, stdout) => resolve(error && !stdout ? '' : String(stdout)),
    );
  });
}

/** An option whose name names a secret (`--ngrok-authtoken`, `--prometheus-secret-headers`, `--password`). */
const SECRET_OPTION = /^(--?[\w-]*(?:token|password|secret|key|auth)[\w-]*)(=.*)?$/i;

/**
 * The arguments with the value of every secret-naming option replaced by "(hidden)": the holder is
 * often another copy of this app, and its command line goes to stdout (`--json`'s ready event) and
 * to the window. Read as arguments, not as a joined line, so a value with spaces ("X-Api-Key: a b")
 * or one that starts with a dash is hidden whole. The next argument is the value unless it is
 * another long option.
 */
export function withoutSecrets(argv: readonly string[]): string[] {
  const shown: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const match = SECRET_OPTION.exec(argv[i]!);
    if (!match) shown.push(argv[i]!);
    else if (match[2] !== undefined) shown.push(`${match[1]}=(hidden)`);
    else {
      shown.push(argv[i]!);
      const value = argv[i + 1];
      if (value !== undefined && !value.startsWith('--')) {
        shown.push('(hidden)');
        i++;
      }
    }
  }
  return shown;
}

const describe = (name: string, pid: number, argv: readonly string[] | null): Found => {
  const oneLine = withoutSecrets(argv ?? [])
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
  const cut = oneLine.length > COMMAND_CHARS ? `${oneLine.slice(0, COMMAND_CHARS - 1)}…` : oneLine;
  return { program: `${name} (pid ${pid})`, command: cut && cut !== name ? cut : null };
};

// ---- Linux: the listening socket's inode in /proc/net/tcp{,6}, then the process whose fd points at it ----

async function linuxHolder(port: number): Promise<Found | null> {
  const inodes = await listeningInodes(port);
  if (inodes.size > 0) {
    const found = await processWithSocket(inodes);
    if (found) return found;
  }
  // Another user's process: /proc hides its fds from us; `ss` (where present) may still say.
  return ssHolder(port);
}

async function listeningInodes(port: number): Promise<Set<string>> {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // local_address is HEXIP:HEXPORT; st 0A is LISTEN; inode is column 10.
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A' && cols[9] && cols[9] !== '0')
        inodes.add(cols[9]);
    }
  }
  return inodes;
}

async function processWithSocket(inodes: Set<string>): Promise<Found | null> {
  const wanted = new Set([...inodes].map((inode) => `socket:[${inode}]`));
  const deadline = Date.now() + PROBE_MILLIS;
  const pids = (await readdir('/proc').catch(() => [] as string[])).filter((name) => /^\d+$/.test(name));
  for (const pid of pids) {
    if (Date.now() > deadline) return null;
    const fds = await readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
    for (const fd of fds) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (!wanted.has(target)) continue;
      const name = (await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '?')).trim();
      const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
      return describe(name, Number(pid), cmdline.split('\0').filter(Boolean));
    }
  }
  return null;
}

async function ssHolder(port: number): Promise<Found | null> {
  const out = await run('ss', ['-ltnpH', `sport = :${port}`]);
  const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(out);
  return match ? describe(match[1]!, Number(match[2]), null) : null;
}

// ---- macOS: lsof ----

async function macHolder(port: number): Promise<Found | null> {
  const out = await run('lsof', ['-nP', `-iTCP:${port}`, '-sTCP:LISTEN', '-Fpc']);
  const pid = /^p(\d+)$/m.exec(out)?.[1];
  const name = /^c(.+)$/m.exec(out)?.[1];
  return pid && name ? describe(name, Number(pid), null) : null;
}

// ---- Windows: netstat -ano, then tasklist for the name ----

async function windowsHolder(port: number): Promise<Found | null> {
  const out = await run('netstat', ['-ano', '-p', 'TCP']);
  const line = out
    .split(/\r?\n/)
    .map((l) => l.trim().split(/\s+/))
    .find((cols) => cols[0] === 'TCP' && cols[1]?.endsWith(`:${port}`) && cols[3] === 'LISTENING');
  const pid = line?.[4];
  if (!pid) return null;
  const task = await run('tasklist', ['/FI', `PID eq ${pid}`, '/FO', 'CSV', '/NH']);
  const name = /^"([^"]+)"/.exec(task.trim())?.[1] ?? 'a program';
  return describe(name, Number(pid), null);
}
