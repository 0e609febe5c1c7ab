// The headless mode's command line, parsed into options or one clear error. Pure, so it is tested alone.

import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { checkSetting, type SettingsOverrides } from '../settings/settings';
import { DATA_SOURCE_KINDS, type DataSourceSetting, kindNamed } from '../telemetry/registry';

export interface CliOptions {
  overrides: SettingsOverrides;
  /** For stderr: e.g. a secret given on the command line, where other users can read it. */
  warnings: string[];
  settingsPath: string | null;
  uiPort: number;
  json: boolean;
  help: boolean;
  /** What a desktop option means here, or that it is ignored: printed as notes at start. */
  notes: string[];
}

/** The settings file's name in a --user-data-dir folder (the desktop keeps its own settings.json there). */
const HEADLESS_SETTINGS_FILE = 'headless-settings.json';

/**
 * Each kind's own options, e.g. `--prometheus-url URL`, one line each (with its line break); an
 * option too long for the column gets its help on the next line, in the column.
 */
const KIND_OPTION_USAGE = DATA_SOURCE_KINDS.flatMap((entry) =>
  entry.options.map((option) => {
    const name = `${option.flag} ${option.placeholder}`;
    const gap = name.length < 19 ? ''.padEnd(19 - name.length) : `\n${''.padEnd(23)}`;
    return `  --${name}${gap}${option.help} (--profile ${entry.kind})\n`;
  }),
).join('');

/** Each secret option's other sources: `--<flag>-file PATH` and the variable <FLAG> (e.g. PROMETHEUS_BEARER_TOKEN). */
const SECRET_OPTIONS = DATA_SOURCE_KINDS.flatMap((entry) =>
  entry.options
    .filter((option) => option.secret)
    .map((option) => ({
      flag: option.flag,
      fileFlag: `${option.flag}-file`,
      variable: option.flag.toUpperCase().replaceAll('-', '_'),
    })),
);

const SECRET_USAGE = SECRET_OPTIONS.map(
  ({ fileFlag, variable }) =>
    `  --${fileFlag} PATH\n${''.padEnd(23)}read it from a file instead (or set ${variable}); never on the command line\n`,
).join('');

/** Where secret values are read besides the command line (tests pass their own). */
export interface SecretSources {
  env: NodeJS.ProcessEnv;
  readFile(path: string): string;
}
const PROCESS_SECRETS: SecretSources = { env: process.env, readFile: (path) => readFileSync(path, 'utf8') };

export const USAGE = `Usage: npm run headless -- [options]

Runs the StackState mirror (and its tunnel) without the desktop window. The window's UI is served
on a local address that is printed at start; open it in any browser.

Options:
  --port N             mirror port (default 7007; 0 picks a free one)
  --host ADDR          where the mirror listens (default 127.0.0.1; with --tunnel none, 0.0.0.0)
  --api-key KEY        API key for this run (default: generated once and kept in the settings file)
  --profile KIND       what the mirror serves (default demo):
${DATA_SOURCE_KINDS.map((entry) => `                         ${entry.kind.padEnd(10)} ${entry.help}`).join('\n')}
${KIND_OPTION_USAGE}${SECRET_USAGE}  --request-timeout S  seconds a data source may take per request (default 12; less when StackState asks)
  --tunnel KIND        ngrok (default when an authtoken is known) or none (StackState on this machine)
  --ngrok-domain NAME  your ngrok reserved domain, so the URL survives restarts
  --allow-cidr CIDR    only let these addresses through the tunnel (repeatable)
  --ui-port N          port of the local UI and control API (default: any free port)
  --settings PATH      settings file (default: in your user config folder)
  --user-data-dir DIR  keep the settings in DIR, as the desktop app does (here: DIR/headless-settings.json)
  --hidden             the desktop's "start in the tray only": ignored here (there is no window to hide)
  --json               one JSON object per line instead of text
  -h, --help           this help

The ngrok authtoken comes from the settings (save it in the UI) or the NGROK_AUTHTOKEN variable.`;

export function parseCliArgs(
  argv: string[],
  secrets: SecretSources = PROCESS_SECRETS,
): CliOptions | { error: string } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return { error: `${(error as Error).message}. See --help.` };
  }
  const { values } = parsed;
  // The kinds' options, with each secret filled from its file or variable.
  const kindValues: Record<string, unknown> = { ...values };
  const warnings: string[] = [];
  const secretProblem = readSecrets(kindValues, secrets, warnings);
  if (secretProblem) return { error: secretProblem };
  // Values are checked by the settings' own rules (checkSetting), so the UI and the command line agree.
  const candidates: [option: string, setting: string, value: unknown][] = [
    ['--port', 'mirrorPort', values.port === undefined ? undefined : (toPort(values.port) ?? values.port)],
    ['--host', 'mirrorHost', values.host],
    ['--api-key', 'apiKey', values['api-key']],
    ['--tunnel', 'tunnel', values.tunnel],
    ['--request-timeout', 'requestTimeoutSeconds', toInteger(values['request-timeout'])],
    ['--ngrok-domain', 'ngrokDomain', values['ngrok-domain']],
    ['--allow-cidr', 'allowCidrs', values['allow-cidr']],
  ];
  const overrides: Record<string, unknown> = {};
  for (const [option, setting, value] of candidates) {
    if (value === undefined) continue;
    const problem = checkSetting(setting, value);
    if (problem) return { error: `${option} ${problem}, not ${JSON.stringify(value)}.` };
    overrides[setting] = value;
  }
  const dataSource = dataSourceFrom(kindValues);
  if (typeof dataSource === 'string') return { error: dataSource };
  if (dataSource) overrides.dataSource = dataSource;
  const uiPort = values['ui-port'] === undefined ? 0 : toPort(values['ui-port']);
  if (uiPort === null)
    return { error: `--ui-port must be a number from 0 to 65535, not "${values['ui-port']}".` };
  const { settingsPath, notes } = desktopOptions(values);
  return {
    overrides: overrides as CliOptions['overrides'],
    warnings,
    settingsPath,
    uiPort,
    json: values.json ?? false,
    help: values.help ?? false,
    notes,
  };
}

/** --user-data-dir and --hidden, as `npm start` passes them on when it falls back to this mode. */
function desktopOptions(values: { settings?: string; 'user-data-dir'?: string; hidden?: boolean }): {
  settingsPath: string | null;
  notes: string[];
} {
  const notes: string[] = [];
  const dir = values['user-data-dir'];
  let settingsPath = values.settings ?? null;
  if (dir !== undefined && settingsPath === null) {
    settingsPath = join(resolve(dir), HEADLESS_SETTINGS_FILE);
    notes.push(
      `--user-data-dir: the settings are kept in ${settingsPath}. The headless mode writes no log file: its log is this output.`,
    );
  } else if (dir !== undefined) {
    notes.push(`--user-data-dir is ignored: --settings ${settingsPath} names the settings file.`);
  }
  if (values.hidden) notes.push('--hidden is ignored: the headless mode has no window to hide.');
  return { settingsPath, notes };
}

/**
 * Fills each secret option from its file or its variable (the command line wins, with a warning:
 * anyone on this machine can read a command line in the process list). Returns an error, or null.
 */
function readSecrets(
  values: Record<string, unknown>,
  secrets: SecretSources,
  warnings: string[],
): string | null {
  for (const { flag, fileFlag, variable } of SECRET_OPTIONS) {
    const path = values[fileFlag];
    delete values[fileFlag];
    if (values[flag] !== undefined) {
      warnings.push(
        `--${flag} on the command line can be read by other users of this machine (in the process list). Use --${fileFlag} PATH or the ${variable} variable instead.`,
      );
      continue;
    }
    if (typeof path === 'string') {
      try {
        // One trailing line break is the file's, not the secret's.
        values[flag] = secrets.readFile(path).replace(/\r?\n$/, '');
      } catch (error) {
        return `--${fileFlag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unreadable'}).`;
      }
      if (values[flag] === '') return `--${fileFlag}: ${path} is empty.`;
      continue;
    }
    const fromEnv = secrets.env[variable];
    // The variable alone does not pick the kind: only with --profile or the kind's other options.
    if (fromEnv !== undefined && fromEnv !== '' && kindIsAsked(values, flag)) values[flag] = fromEnv;
  }
  return null;
}

/** Whether the command line asks for the kind that owns option `flag`. */
function kindIsAsked(values: Record<string, unknown>, flag: string): boolean {
  const entry = DATA_SOURCE_KINDS.find((kind) => kind.options.some((option) => option.flag === flag));
  if (!entry) return false;
  return values.profile === entry.kind || entry.options.some((option) => values[option.flag] !== undefined);
}

/** The headless mode's options (scripts/launch-plan.mjs keeps a copy, checked by test/electron/start.test.ts). */
export const CLI_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'api-key': { type: 'string' },
  profile: { type: 'string' },
  'request-timeout': { type: 'string' },
  tunnel: { type: 'string' },
  'ngrok-domain': { type: 'string' },
  'allow-cidr': { type: 'string', multiple: true },
  'ui-port': { type: 'string' },
  settings: { type: 'string' },
  'user-data-dir': { type: 'string' },
  hidden: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every kind's own options, from the registry: `--prometheus-url` and the like, and `--<secret>-file`. */
const KIND_OPTIONS: Record<string, { type: 'string' }> = Object.fromEntries(
  [
    ...DATA_SOURCE_KINDS.flatMap((entry) => entry.options.map((option) => option.flag)),
    ...SECRET_OPTIONS.map(({ fileFlag }) => fileFlag),
  ].map((flag) => [flag, { type: 'string' as const }]),
);

/** Every option the command line takes: the fixed ones and each data-source kind's own. */
export const ALL_CLI_OPTIONS: Readonly<Record<string, { type: 'string' | 'boolean' }>> = {
  ...CLI_OPTIONS,
  ...KIND_OPTIONS,
};

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: { ...CLI_OPTIONS, ...KIND_OPTIONS },
  });
}

/**
 * The data source the command line asks for: `--profile KIND` and that kind's own options. A kind's
 * option alone picks its kind. Undefined when none is given; a string says what is wrong.
 */
function dataSourceFrom(values: Record<string, unknown>): DataSourceSetting | undefined | string {
  const given = DATA_SOURCE_KINDS.flatMap((entry) =>
    entry.options.filter((option) => values[option.flag] !== undefined).map((option) => ({ entry, option })),
  );
  const named = typeof values.profile === 'string' ? values.profile : undefined;
  const kind = named ?? given[0]?.entry.kind;
  if (kind === undefined) return undefined;
  if (!kindNamed(kind)) {
    const names = DATA_SOURCE_KINDS.map((entry) => entry.kind).join(', ');
    return `--profile must be one of ${names}, not ${JSON.stringify(kind)}.`;
  }
  const stray = given.find(({ entry }) => entry.kind !== kind);
  if (stray) return `--${stray.option.flag} goes with --profile ${stray.entry.kind}, not ${kind}.`;
  const setting: DataSourceSetting = {
    kind,
    ...Object.fromEntries(given.map(({ option }) => [option.name, String(values[option.flag])])),
  };
  const problem = checkSetting('dataSource', setting);
  return problem ? `--profile ${problem}.` : setting;
}

function toInteger(text: string | undefined): number | string | undefined {
  return text !== undefined && /^\d{1,9}$/.test(text) ? Number(text) : text;
}

function toPort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}
