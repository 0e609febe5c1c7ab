// The headless mode's command line, parsed into options or one clear error. Pure, so it is tested alone.
import { parseArgs } from 'node:util';
import { checkSetting, type Settings } from './settings';

export interface CliOptions {
  overrides: Partial<Pick<Settings, 'mirrorPort' | 'mirrorHost' | 'apiKey' | 'profile' | 'tunnel'>> & {
    ngrokDomain?: string;
    allowCidrs?: string[];
  };
  settingsPath: string | null;
  uiPort: number;
  json: boolean;
  help: boolean;
}

export const USAGE = `Usage: npm run headless -- [options]

Runs the StackState mirror (and its tunnel) without the desktop window. The window's UI is served
on a local address that is printed at start; open it in any browser.

Options:
  --port N             mirror port (default 7007; 0 picks a free one)
  --host ADDR          where the mirror listens (default 127.0.0.1)
  --api-key KEY        API key for this run (default: generated once and kept in the settings file)
  --profile NAME       demo (default: a realistic catalog) or tutorial (the tutorial sample's shapes)
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
    ['--profile', 'profile', values.profile],
    ['--tunnel', 'tunnel', values.tunnel],
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
  tunnel: { type: 'string' },
  'ngrok-domain': { type: 'string' },
  'allow-cidr': { type: 'string', multiple: true },
  'ui-port': { type: 'string' },
  settings: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function parse(argv: string[]) {
  return parseArgs({ args: argv, strict: true, allowPositionals: false, options: CLI_OPTIONS });
}

function toPort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port <= 65535 ? port : null;
}
