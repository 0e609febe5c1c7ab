// Every kind of data source the mirror can serve, in one list. The settings schema (the
// `dataSource` setting), the command line (--profile and each kind's own options), --help and the
// window's Settings form are all derived from it. Adding a kind: one new file under
// server/telemetry/ that creates its TelemetrySource, and one entry here.
import { createDemoSource } from './demo';
import { createPrometheusFromSetting } from './prometheus';
import { PROMETHEUS_BACKEND_OPTIONS } from './prometheus-backend-options';
import { checkAllowedUrls, checkPrometheusUrl, shownPrometheusUrl } from './prometheus-client';
import type { TelemetrySource } from './source';
import { createTutorialSource } from './tutorial';
import { checkUpstreamUrl, createUpstreamSource } from './upstream';

/** One option a kind needs besides its name (a URL, a token): a string, checked by `check`. */
export interface DataSourceOption {
  /** Its key in the `dataSource` setting, e.g. `url`. */
  readonly name: string;
  /** Its command-line flag without the dashes, e.g. `prometheus-url`. */
  readonly flag: string;
  readonly label: string;
  readonly placeholder: string;
  readonly help: string;
  readonly required: boolean;
  /** Kept like the ngrok authtoken: never logged, never sent to the window. */
  readonly secret: boolean;
  /** How the window asks for it, when not one line of text: several lines, or a number of seconds. */
  readonly input?: 'lines' | 'seconds';
  /** Why a value is not valid (never quoting it: it may be a secret), or null. */
  check(value: string): string | null;
}

export interface DataSourceKind {
  /** The name in the settings and on the command line (`--profile demo`). */
  readonly kind: string;
  /** What the window's Settings form calls it. */
  readonly label: string;
  /** One line for --help and the form. */
  readonly help: string;
  readonly options: readonly DataSourceOption[];
  /** A filter that selects something in this kind, for the checklist's stream step (e.g. `host = a-host`). */
  readonly exampleFilter: string | null;
  /** The data source in a few words, e.g. "Demo data" or "Prometheus at http://…". */
  describe(options: Readonly<Record<string, string>>): string;
  create(options: Readonly<Record<string, string>>): TelemetrySource;
}

/** The `dataSource` setting: a kind and its options, flat, e.g. `{ kind: 'demo' }`. */
export type DataSourceSetting = { readonly kind: string } & Readonly<Record<string, string>>;

export const DATA_SOURCE_KINDS: readonly DataSourceKind[] = [
  {
    kind: 'demo',
    label: 'Demo data',
    help: 'a realistic, deterministic catalog: five hosts, five metrics, incidents to simulate',
    options: [],
    exampleFilter: 'host = a-host',
    describe: () => 'Demo data',
    create: createDemoSource,
  },
  {
    kind: 'tutorial',
    label: "The tutorial's sample",
    help: "exactly the shapes of StackState's mirror tutorial (field1, field2, field3)",
    options: [],
    exampleFilter: 'field1 = value1',
    describe: () => "The tutorial's sample",
    create: createTutorialSource,
  },
  {
    kind: 'prometheus',
    label: 'Prometheus',
    help: 'a Prometheus server\'s metrics (its URL here, or {"prometheusUrl": "…"} per StackState data source)',
    options: [
      {
        name: 'url',
        flag: 'prometheus-url',
        label: 'Prometheus URL',
        placeholder: 'URL',
        help: 'the Prometheus server to serve, e.g. http://127.0.0.1:9090',
        required: true,
        secret: false,
        check: checkPrometheusUrl,
      },
      {
        name: 'bearerToken',
        flag: 'prometheus-bearer-token',
        label: 'bearer token',
        placeholder: 'TOKEN',
        help: 'sent to Prometheus as Authorization: Bearer (optional; never logged)',
        required: false,
        secret: true,
        check: (value) => (/^[\x21-\x7e]+$/.test(value) ? null : 'must be printable text without spaces'),
      },
      {
        name: 'username',
        flag: 'prometheus-user',
        label: 'user name',
        placeholder: 'USER',
        help: 'basic-auth user for Prometheus (optional)',
        required: false,
        secret: false,
        check: (value) =>
          value !== '' && !value.includes(':') && !hasControlCharacter(value)
            ? null
            : 'must be text without colons or control characters',
      },
      {
        name: 'password',
        flag: 'prometheus-password',
        label: 'password',
        placeholder: 'PASSWORD',
        help: 'basic-auth password for Prometheus (optional; never logged)',
        required: false,
        secret: true,
        check: (value) => (hasControlCharacter(value) ? 'must not contain control characters' : null),
      },
      {
        name: 'allowedUrls',
        flag: 'prometheus-allow-url',
        label: 'Other Prometheus URLs',
        placeholder: 'URLS',
        help: 'other servers a StackState data source may name as {"prometheusUrl": …}, comma-separated (optional)',
        required: false,
        secret: false,
        check: checkAllowedUrls,
      },
      ...PROMETHEUS_BACKEND_OPTIONS,
    ],
    exampleFilter: '__name__ = up',
    // Written as the source's own messages write it, so the window can tell when a cause names it.
    describe: (options) => `Prometheus at ${options.url ? shownPrometheusUrl(options.url) : '(no URL)'}`,
    create: createPrometheusFromSetting,
  },
  {
    kind: 'upstream',
    label: 'My own mirror',
    help: 'passes every request to your own mirror and grades its answers by the protocol',
    options: [
      {
        name: 'url',
        flag: 'upstream',
        label: 'Mirror URL',
        placeholder: 'URL',
        help: 'the address of your own mirror, e.g. http://127.0.0.1:7008/',
        required: true,
        secret: false,
        check: checkUpstreamUrl,
      },
    ],
    exampleFilter: null,
    describe: (options) => `My own mirror at ${options.url ?? '?'}`,
    create: createUpstreamSource,
  },
];

/** Whether `value` holds a control character (they break HTTP headers). */
function hasControlCharacter(value: string): boolean {
  for (const char of value) {
    const code = char.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export const DEFAULT_DATA_SOURCE: DataSourceSetting = { kind: 'demo' };

export const kindNamed = (kind: string): DataSourceKind | undefined =>
  DATA_SOURCE_KINDS.find((entry) => entry.kind === kind);

/** Why `value` is not a valid `dataSource` setting, or null. Never quotes an option's value. */
export function checkDataSource(value: unknown): string | null {
  const names = DATA_SOURCE_KINDS.map((entry) => entry.kind).join(', ');
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `must name a kind: ${names}`;
  const { kind, ...options } = value as Record<string, unknown>;
  const entry = typeof kind === 'string' ? kindNamed(kind) : undefined;
  if (!entry) return `must be one of ${names}`;
  for (const [name, option] of Object.entries(options)) {
    const spec = entry.options.find((candidate) => candidate.name === name);
    if (!spec) return `${entry.kind} has no option "${name.slice(0, 40)}"`;
    if (typeof option !== 'string') return `${entry.kind}'s ${spec.label} must be text`;
    const problem = spec.check(option);
    if (problem) return `${entry.kind}'s ${spec.label} ${problem}`;
  }
  const missing = entry.options.find((spec) => spec.required && !(spec.name in options));
  return missing ? `${entry.kind} needs its ${missing.label} (--${missing.flag})` : null;
}

/** The source for a valid setting (checkDataSource said null). */
export function createTelemetrySource(setting: DataSourceSetting): TelemetrySource {
  const entry = kindNamed(setting.kind);
  if (!entry) throw new Error(`no data source kind "${setting.kind}"`);
  const { kind: _kind, ...options } = setting;
  return entry.create(options);
}

export const exampleFilterOf = (setting: DataSourceSetting): string | null =>
  kindNamed(setting.kind)?.exampleFilter ?? null;

export function describeDataSource(setting: DataSourceSetting): string {
  const { kind, ...options } = setting;
  return kindNamed(kind)?.describe(options) ?? kind;
}

/** What the window sees instead of a secret option's value, and sends back when it was not changed. */
export const SECRET_PLACEHOLDER = '(set)';

/** The names of a kind's secret options (kept like the ngrok authtoken). */
export const secretNames = (kind: string): Set<string> =>
  new Set(
    kindNamed(kind)
      ?.options.filter((option) => option.secret)
      .map((option) => option.name),
  );

/** The setting as the window may see it: secret options replaced by SECRET_PLACEHOLDER. */
export function publicDataSource(setting: DataSourceSetting): DataSourceSetting {
  const secrets = secretNames(setting.kind);
  return Object.fromEntries(
    Object.entries(setting).map(([name, value]) => [name, secrets.has(name) ? SECRET_PLACEHOLDER : value]),
  ) as DataSourceSetting;
}

/**
 * A setting from the window, with each secret it left as SECRET_PLACEHOLDER put back from the saved
 * one of the same kind (the window never had it); a placeholder with nothing saved behind it is dropped.
 */
export function withSavedSecrets(fromWindow: DataSourceSetting, saved: DataSourceSetting): DataSourceSetting {
  const secrets = secretNames(fromWindow.kind);
  const entries = Object.entries(fromWindow).flatMap(([name, value]) => {
    if (!secrets.has(name) || value !== SECRET_PLACEHOLDER) return [[name, value]];
    const kept = saved.kind === fromWindow.kind ? saved[name] : undefined;
    return kept === undefined ? [] : [[name, kept]];
  });
  return Object.fromEntries(entries) as DataSourceSetting;
}

/** What the window needs to draw the data-source choice: every kind, its label and its options. */
export function dataSourceKindsForUi() {
  return DATA_SOURCE_KINDS.map(({ kind, label, help, options }) => ({
    kind,
    label,
    help,
    options: options.map(
      ({ name, label: optionLabel, placeholder, help: optionHelp, required, secret, input }) => ({
        name,
        label: optionLabel,
        placeholder,
        help: optionHelp,
        required,
        secret,
        input: input ?? ('text' as const),
      }),
    ),
  }));
}
