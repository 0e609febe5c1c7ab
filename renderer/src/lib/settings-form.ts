// The settings form's values as typed, and the patch they make. Pure. The session checks every value
// (a 400 with its reason is shown next to the form); here only the shapes are turned into a patch.
import {
  API_KEY_CHARACTER,
  API_KEY_MAX_CHARS,
  API_KEY_RULE,
  COMMAND_LINE_OPTION,
  type DataSourceSetting,
  type OverridableSetting,
  type PublicSettings,
  type SessionState,
  type SettingsPatch,
} from './contract';
import { formatCount } from './format';

/** A data-source setting's options: everything but its kind. */
const optionsOf = ({ kind: _kind, ...options }: DataSourceSetting): Record<string, string> => ({
  ...options,
});

export interface SettingsFormValues {
  mirrorPort: string;
  /** The chosen data-source kind, and what is typed in each option of every kind (by kind, then name). */
  dataSourceKind: string;
  dataSourceOptions: Record<string, Record<string, string>>;
  requestTimeoutSeconds: string;
  tunnel: string;
  ngrokDomain: string;
  /** CIDRs, one per line. */
  allowCidrs: string;
}

export function formValues(settings: PublicSettings): SettingsFormValues {
  return {
    mirrorPort: String(settings.mirrorPort),
    dataSourceKind: settings.dataSource.kind,
    dataSourceOptions: { [settings.dataSource.kind]: optionsOf(settings.dataSource) },
    requestTimeoutSeconds: String(settings.requestTimeoutSeconds),
    tunnel: settings.tunnel,
    ngrokDomain: settings.ngrokDomain ?? '',
    allowCidrs: settings.allowCidrs.join('\n'),
  };
}

export const parseCidrs = (text: string): string[] =>
  text
    .split(/[\n,]+/)
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** The fields that differ from the saved settings, or a reason the form cannot be sent. */
export function settingsPatch(
  values: SettingsFormValues,
  saved: PublicSettings,
): { patch: SettingsPatch } | { error: string } {
  const patch: SettingsPatch = {};
  const portText = values.mirrorPort.trim();
  if (!/^\d{1,5}$/.test(portText)) return { error: 'Mirror port must be a number from 0 to 65535.' };
  const port = Number(portText);
  if (port !== saved.mirrorPort) patch.mirrorPort = port;
  const dataSource = dataSourceOf(values);
  if (JSON.stringify(dataSource) !== JSON.stringify(saved.dataSource)) patch.dataSource = dataSource;
  const timeoutText = values.requestTimeoutSeconds.trim();
  if (!/^\d{1,3}$/.test(timeoutText)) return { error: 'Request time-out must be a whole number of seconds.' };
  if (Number(timeoutText) !== saved.requestTimeoutSeconds) patch.requestTimeoutSeconds = Number(timeoutText);
  if (values.tunnel !== saved.tunnel) patch.tunnel = values.tunnel as SettingsPatch['tunnel'];
  const domain =
    values.ngrokDomain
      .trim()
      .replace(/^https?:\/\//, '')
      .replace(/\/+$/, '') || null;
  if (domain !== saved.ngrokDomain) patch.ngrokDomain = domain;
  const cidrs = parseCidrs(values.allowCidrs);
  if (cidrs.join('\n') !== saved.allowCidrs.join('\n')) patch.allowCidrs = cidrs;
  return { patch };
}

/** The chosen kind with the options typed under it (empty ones left out). */
export function dataSourceOf(
  values: Pick<SettingsFormValues, 'dataSourceKind' | 'dataSourceOptions'>,
): DataSourceSetting {
  return {
    kind: values.dataSourceKind,
    ...Object.fromEntries(
      Object.entries(values.dataSourceOptions[values.dataSourceKind] ?? {})
        .map(([name, value]) => [name, value.trim()] as const)
        .filter(([, value]) => value !== ''),
    ),
  };
}

const FIELD_LABELS: Record<string, string> = {
  mirrorPort: 'Mirror port',
  mirrorHost: 'Mirror host',
  apiKey: 'The Api Key',
  dataSource: 'Data source',
  requestTimeoutSeconds: 'Request time-out',
  tunnel: 'Tunnel',
  ngrokAuthtoken: 'The ngrok authtoken',
  ngrokDomain: 'Reserved ngrok domain',
  allowCidrs: 'IP allow-list',
};

/** The session names settings by their field names ("allowCidrs must be …"): say them as the form does. */
export function friendlyActionError(message: string): string {
  return message.replace(
    /(^|; )(mirrorPort|mirrorHost|apiKey|dataSource|requestTimeoutSeconds|tunnel|ngrokAuthtoken|ngrokDomain|allowCidrs)\b/g,
    (_match, lead: string, field: string) => `${lead}${FIELD_LABELS[field] ?? field}`,
  );
}

/** The settings that restart the mirror when they change, and those that reopen only the tunnel. */
const MIRROR_FIELDS: (keyof SettingsPatch)[] = ['mirrorPort', 'mirrorHost', 'tunnel'];
const TUNNEL_FIELDS: (keyof SettingsPatch)[] = ['ngrokDomain', 'allowCidrs', 'ngrokAuthtoken'];

/**
 * What the Save button's message says, from the patch sent and the state the save answered with: what
 * restarted, or what did not come back (a port in use). Never "restarted" when it is not running.
 */
export function savedMessage(
  patch: SettingsPatch,
  state: Pick<SessionState, 'phase' | 'message' | 'mirror' | 'tunnel'>,
): { text: string; tone: 'ok' | 'warn' | 'error' } {
  const touched = (fields: (keyof SettingsPatch)[]) => fields.some((field) => field in patch);
  if (state.phase === 'error') {
    return { text: `Saved, but the mirror is down now. ${state.message}`, tone: 'error' };
  }
  if (state.phase === 'stopped') return { text: 'Saved. It takes effect at the next Start.', tone: 'ok' };
  const restarted = touched(MIRROR_FIELDS)
    ? `The mirror restarted on port ${state.mirror.port}.`
    : touched(TUNNEL_FIELDS) && state.tunnel.kind === 'ngrok'
      ? 'The tunnel was reopened.'
      : 'It applies from the next request; nothing needed a restart.';
  if (state.phase === 'tunnel-error' && state.tunnel.status.state === 'error') {
    return { text: `Saved. ${restarted} The tunnel did not open: see Setup.`, tone: 'warn' };
  }
  return { text: `Saved. ${restarted}`, tone: 'ok' };
}

/** The settings this run takes from the command line, as "Tunnel (--tunnel none)"; empty when none. */
export function commandLineValues(settings: PublicSettings): string[] {
  const shown: Record<OverridableSetting, string> = {
    // The port it got is said under the port field.
    mirrorPort: settings.mirrorPort === 0 ? '0: any free port' : String(settings.mirrorPort),
    mirrorHost: settings.mirrorHost,
    apiKey: '…',
    dataSource: settings.dataSource.kind,
    tunnel: settings.tunnel,
    requestTimeoutSeconds: String(settings.requestTimeoutSeconds),
    ngrokDomain: settings.ngrokDomain ?? '',
    allowCidrs: settings.allowCidrs.join(' '),
  };
  return (Object.keys(COMMAND_LINE_OPTION) as OverridableSetting[])
    .filter((field) => settings.sources[field] === 'command-line')
    .map((field) => `${SETTING_LABELS[field]} (${COMMAND_LINE_OPTION[field]} ${shown[field]})`);
}

const SETTING_LABELS: Record<OverridableSetting, string> = {
  mirrorPort: 'Mirror port',
  mirrorHost: 'Mirror host',
  apiKey: 'Api Key',
  dataSource: 'Data source',
  tunnel: 'Tunnel',
  requestTimeoutSeconds: 'Request time-out',
  ngrokDomain: 'Reserved ngrok domain',
  allowCidrs: 'IP allow-list',
};

/**
 * Why a typed API key would be refused, naming what is wrong with it (its length, the first character
 * outside the rule), or null. Nothing is cut or changed silently: the user sees why and decides.
 */
export function apiKeyProblem(typed: string): string | null {
  if (typed === '') return `The Api Key is empty; it must be ${API_KEY_RULE}.`;
  const length = [...typed].length;
  if (length > API_KEY_MAX_CHARS) {
    return `The Api Key is ${formatCount(length)} characters long; it may have at most ${API_KEY_MAX_CHARS}.`;
  }
  const odd = [...typed].find((char) => !API_KEY_CHARACTER.test(char));
  if (odd === undefined) return null;
  if (/\s/.test(odd)) return `The Api Key must have no spaces; it must be ${API_KEY_RULE}.`;
  return `The Api Key may hold only ASCII letters, digits and punctuation: “${odd}” is not one.`;
}
