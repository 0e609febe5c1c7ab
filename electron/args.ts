// The desktop app's command line. It takes the headless mode's mirror options (so `npm start --
// --tunnel none` means the same in both modes) plus --hidden and --user-data-dir, and ignores
// whatever else Electron, Chromium or a test driver put on it (--inspect, --remote-debugging-port…).
import { ALL_CLI_OPTIONS, type CliOptions, parseCliArgs } from '../server/cli/args';

/** The headless options that take a value; --settings is the headless file store's, not the desktop's. */
const VALUE_OPTIONS = new Set(
  Object.entries(ALL_CLI_OPTIONS)
    .filter(([name, option]) => option.type === 'string' && name !== 'settings')
    .map(([name]) => name),
);

export interface DesktopArgs {
  /** Start in the tray only, without showing the window (for log-in items). */
  hidden: boolean;
  /** Keep settings and logs here instead of the user's app-data folder (tests, portable use). */
  userDataDir: string | null;
  overrides: CliOptions['overrides'];
  uiPort: number;
  /** A mirror option that was given but is not valid; the app starts without the overrides. */
  error: string | null;
  /** What the options' parser warns of (a secret given on the command line, where others can read it). */
  warnings: string[];
}

export function parseDesktopArgs(argv: readonly string[]): DesktopArgs {
  let hidden = false;
  let userDataDir: string | null = null;
  const mirrorArgs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    if (name === 'hidden') hidden = true;
    else if (name === 'user-data-dir') {
      userDataDir = inline ?? argv[i + 1] ?? null;
      if (inline === undefined) i++;
    } else if (VALUE_OPTIONS.has(name)) {
      const value = inline ?? argv[i + 1];
      if (inline === undefined) i++;
      if (value !== undefined) mirrorArgs.push(`--${name}`, value);
    }
  }
  const parsed = parseCliArgs(mirrorArgs);
  if ('error' in parsed)
    return { hidden, userDataDir, overrides: {}, uiPort: 0, error: parsed.error, warnings: [] };
  return {
    hidden,
    userDataDir,
    overrides: parsed.overrides,
    uiPort: parsed.uiPort,
    error: null,
    warnings: parsed.warnings,
  };
}
