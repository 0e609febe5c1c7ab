// The settings form's values as typed, and the patch they make. Pure. The session checks every value
// (a 400 with its reason is shown next to the form); here only the shapes are turned into a patch.
import type { PublicSettings, SettingsPatch } from './contract';

export interface SettingsFormValues {
  mirrorPort: string;
  profile: string;
  tunnel: string;
  ngrokDomain: string;
  /** CIDRs, one per line. */
  allowCidrs: string;
}

export function formValues(settings: PublicSettings): SettingsFormValues {
  return {
    mirrorPort: String(settings.mirrorPort),
    profile: settings.profile,
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
  if (values.profile !== saved.profile) patch.profile = values.profile as SettingsPatch['profile'];
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

const FIELD_LABELS: Record<string, string> = {
  mirrorPort: 'Mirror port',
  mirrorHost: 'Mirror host',
  profile: 'Data profile',
  tunnel: 'Tunnel',
  ngrokAuthtoken: 'The ngrok authtoken',
  ngrokDomain: 'Reserved ngrok domain',
  allowCidrs: 'IP allow-list',
};

/** The session names settings by their field names ("allowCidrs must be …"): say them as the form does. */
export function friendlyActionError(message: string): string {
  return message.replace(
    /(^|; )(mirrorPort|mirrorHost|profile|tunnel|ngrokAuthtoken|ngrokDomain|allowCidrs)\b/g,
    (_match, lead: string, field: string) => `${lead}${FIELD_LABELS[field] ?? field}`,
  );
}
