// The headless mode's command line, parsed into options or one clear error. Pure, so it is tested alone.
import { parseArgs } from 'node:util';
import { checkSetting, type SettingsOverrides } from '../settings/settings';
import { DATA_SOURCE_KINDS, type DataSourceSetting, kindNamed } from '../telemetry/registry';

export interface CliOptions {
  overrides: SettingsOverrides;
  settingsPath: string | null;
  uiPort: number;
  json: boolean;
  help: boolean;
}

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

export const USAGE = `Usage: npm run headless -- [options]

Runs the StackState mirror (and its tunnel) without the desktop window. The window's UI is served
on a local address that is printed at start; open it in any browser.

Options:
  --port N             mirror port (default 7007; 0 picks a free one)
  --host ADDR          where the mirror listens (default 127.0.0.1; with --tunnel none, 0.0.0.0)
  --api-key KEY        API key for this run (default: generated once and kept in the settings file)
  --profile KIND       what the mirror serves (default demo):
${DATA_SOURCE_KINDS.map((entry) => `                         ${entry.kind.padEnd(10)} ${entry.help}`).join('\n')}
${KIND_OPTION_USAGE}  --request-timeout S  seconds a data source may take per request (default 20)
  --tunnel KIND        ngrok (default when an authtoken is known) or none (StackState on this machine)
  --ngrok-domain NAME  your ngrok reserved domain, so the URL survives restarts
  --allow-cidr CIDR    only let these addresses through the tunnel (repeatable)
  --ui-port N          port of the local UI and control API (default: any free port)
  --settings PATH      settings file (default: in your user config folder)
  --json               one JSON object per line instead of text
  -h, --help           this help

The ngrok authtoken comes from the settings (save it in the UI) or the NGROK_AUTHTOKEN variable.`;

export function parseCliArgs(argv: string[]): CliOptions | { error: string } {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return { error: `${(error as Error).message}. See --help.` };
  }
  const { values } = parsed;
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
  const dataSource = dataSourceFrom(values);
  if (typeof dataSource === 'string') return { error: dataSource };
  if (dataSource) overrides.dataSource = dataSource;
  const uiPort = values['ui-port'] === undefined ? 0 : toPort(values['ui-port']);
  if (uiPort === null)
    return { error: `--ui-port must be a number from 0 to 65535, not "${values['ui-port']}".` };
  return {
    overrides: overrides as CliOptions['overrides'],
    settingsPath: values.settings ?? null,
    uiPort,
    json: values.json ?? false,
    help: values.help ?? false,
  };
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
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Every kind's own options, from the registry: `--prometheus-url` and the like. */
const KIND_OPTIONS = Object.fromEntries(
  DATA_SOURCE_KINDS.flatMap((entry) =>
    entry.options.map((option) => [option.flag, { type: 'string' as const }]),
  ),
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
