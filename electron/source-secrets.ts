// The data source's secret options (registry.ts: `secret: true`, e.g. Prometheus's bearer token and
// password), split from the settings so the desktop store can keep them encrypted like the ngrok
// authtoken, and merged back on load. No electron import.
import type { DataSourceSetting } from '../server/telemetry/registry';
import { kindNamed, secretNames } from '../server/telemetry/registry';

/** The stored form: the kind the secrets belong to, and the secret options by name. */
export interface SourceSecrets {
  kind: string;
  values: Record<string, string>;
}

/** The setting without its secret options, and those options (empty when there are none). */
export function splitSourceSecrets(setting: DataSourceSetting): {
  open: DataSourceSetting;
  secrets: SourceSecrets;
} {
  const secrets = secretNames(setting.kind);
  const open: Record<string, string> = {};
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(setting)) {
    if (secrets.has(name)) values[name] = value;
    else open[name] = value;
  }
  return { open: open as DataSourceSetting, secrets: { kind: setting.kind, values } };
}

/**
 * The decrypted text as secrets for `setting`'s kind: only that kind's secret options, each passing
 * its own check. Null when the text is not what save wrote, or belongs to another kind.
 */
export function parseSourceSecrets(text: string, setting: DataSourceSetting): Record<string, string> | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const { kind, values } = parsed as { kind?: unknown; values?: unknown };
  if (kind !== setting.kind || typeof values !== 'object' || values === null) return null;
  const options = kindNamed(setting.kind)?.options ?? [];
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const option = options.find((o) => o.name === name && o.secret);
    if (!option || typeof value !== 'string' || option.check(value) !== null) return null;
    out[name] = value;
  }
  return out;
}
