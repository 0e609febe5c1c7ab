// Where the ngrok child process's script is, and how to run it: the built `ngrok-child.js` next to
// the bundle (production, packaged app), else the `ngrok-child.ts` source through tsx (development).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TunnelErrorCode } from './ngrok-errors';
import { TunnelError } from './tunnel';

export interface ChildEntry {
  /** The script `child_process.fork` runs. */
  modulePath: string;
  /** Node options for it, e.g. ['--import', 'tsx'] for a .ts script. */
  execArgv: string[];
}

/** tsx's loader by absolute URL, so the child finds it whatever its working directory is. */
function tsxLoader(): string {
  try {
    return import.meta.resolve('tsx');
  } catch {
    return 'tsx';
  }
}

/**
 * Looks next to `fromUrl` (this module, or the bundle it was built into) for `ngrok-child.js`,
 * then `ngrok-child.ts`.
 */
export function resolveNgrokChildEntry(fromUrl: string = import.meta.url): ChildEntry {
  const directory = dirname(fileURLToPath(fromUrl));
  const built = join(directory, 'ngrok-child.js');
  if (existsSync(built)) return { modulePath: built, execArgv: [] };
  const source = join(directory, 'ngrok-child.ts');
  if (existsSync(source)) return { modulePath: source, execArgv: ['--import', tsxLoader()] };
  throw new TunnelError(
    TunnelErrorCode.childMissing,
    `The ngrok helper script is missing (looked for ngrok-child.js in ${directory}). Reinstall the app.`,
  );
}
