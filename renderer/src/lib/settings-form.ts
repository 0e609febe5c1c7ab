// The settings form's values as typed, and the patch they make. Pure. The session checks every value
// (a 400 with its reason is shown next to the form); here only the shapes are turned into a patch.
import type { DataSourceSetting, PublicSettings, SettingsPatch } from './contract';

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
    /(^|; )(mirrorPort|mirrorHost|dataSource|requestTimeoutSeconds|tunnel|ngrokAuthtoken|ngrokDomain|allowCidrs)\b/g,
    (_match, lead: string, field: string) => `${lead}${FIELD_LABELS[field] ?? field}`,
  );
}
