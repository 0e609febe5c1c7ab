// The Prometheus data source's options for backends beyond a plain Prometheus: custom headers (a
// tenant for Mimir and Cortex, a gateway's key) and the time-out of one call. The registry lists
// them with the URL and credentials; the settings, the command line and the window take them from
// there. Options are strings, like every data-source option; absent means the default, so settings
// saved before these options existed need no migration.
import { DEFAULT_TIMEOUT_MILLIS, type PrometheusOptions } from './prometheus-client';
import { checkHeaders } from './prometheus-headers';
import type { DataSourceOption } from './registry';

/** The per-call time-out's bounds, in seconds. */
export const MIN_TIMEOUT_SECONDS = 1;
export const MAX_TIMEOUT_SECONDS = 300;

export const PROMETHEUS_BACKEND_OPTIONS: readonly DataSourceOption[] = [
  {
    name: 'headers',
    flag: 'prometheus-headers',
    label: 'Custom headers',
    placeholder: 'HEADERS',
    help: 'headers sent with every call, e.g. X-Scope-OrgID: my-tenant (one Name: value a line, or ;; between)',
    required: false,
    secret: false,
    input: 'lines',
    check: (value) => checkHeaders(value, false),
  },
  {
    name: 'secretHeaders',
    flag: 'prometheus-secret-headers',
    label: 'Secret headers',
    placeholder: 'HEADERS',
    help: 'like the custom headers, but kept like the bearer token (never logged or shown)',
    required: false,
    secret: true,
    check: (value) => checkHeaders(value, true),
  },
  {
    name: 'timeoutSeconds',
    flag: 'prometheus-timeout',
    label: 'Time-out per call (seconds)',
    placeholder: 'S',
    help: `seconds one call to Prometheus may take once sent (default ${DEFAULT_TIMEOUT_MILLIS / 1000})`,
    required: false,
    secret: false,
    input: 'seconds',
    check: (value) => {
      const seconds = /^\d{1,3}$/.test(value) ? Number(value) : Number.NaN;
      return seconds >= MIN_TIMEOUT_SECONDS && seconds <= MAX_TIMEOUT_SECONDS
        ? null
        : `must be a whole number of seconds from ${MIN_TIMEOUT_SECONDS} to ${MAX_TIMEOUT_SECONDS}`;
    },
  },
];

/** The client's options from the setting's strings (already checked). */
export function backendOptionsFromSetting(
  options: Readonly<Record<string, string>>,
): Pick<PrometheusOptions, 'headers' | 'secretHeaders' | 'timeoutMillis'> {
  return {
    headers: options.headers,
    secretHeaders: options.secretHeaders,
    timeoutMillis: options.timeoutSeconds === undefined ? undefined : Number(options.timeoutSeconds) * 1000,
  };
}
