// Calls to Prometheus's HTTP API (/api/v1/…) for the prometheus source: which server (the setting,
// or `prometheusUrl` in StackState's connection details), its credentials, a time-out of its own,
// and every answer checked before use: Prometheus answering garbage is a clear RemoteMirrorError.
//
// Credentials (basic auth or a bearer token) go only to the configured server: a `prometheusUrl`
// from the connection details with another origin or path gets none, since anyone who can reach
// the mirror can write connection details. No credential appears in any message.
import { callBackend } from './backend';
import { metricStoreConnectionError, remoteMirrorError, type SourceContext } from './source';

export interface PrometheusOptions {
  /** The configured server, e.g. `http://127.0.0.1:9090` (a path prefix is kept). */
  url: string;
  bearerToken?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  /**
   * Other servers a data source in StackState may name with `prometheusUrl` in its connection
   * details (comma- or space-separated). Anyone who reaches the public URL can send connection
   * details, so no other server is ever called: the mirror must not be a way into the user's network.
   */
  allowedUrls?: string | undefined;
  /** How long one call may take before it counts as "Prometheus is not answering". */
  timeoutMillis?: number | undefined;
}

/** One call's target: the server's base URL and the headers to send it. */
export interface PrometheusTarget {
  base: URL;
  headers: Record<string, string>;
  timeoutMillis: number;
}

export const DEFAULT_TIMEOUT_MILLIS = 10_000;

/** Why `text` is not a usable Prometheus URL (never quoting it), or null. */
export function checkPrometheusUrl(text: string): string | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return 'must be an http:// or https:// URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL';
  if (url.username || url.password) return 'must not carry a user or password (use the credential options)';
  if (url.search || url.hash) return 'must not have a query or fragment';
  return null;
}

/** The base URL with a trailing slash, so that `api/v1/…` resolves under any path prefix. */
function baseOf(text: string): URL {
  const url = new URL(text);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}

/** Which server this request goes to, and with what headers. */
export function targetFor(
  options: PrometheusOptions,
  connectionDetails: Record<string, unknown>,
): PrometheusTarget {
  const configured = baseOf(options.url);
  const timeoutMillis = options.timeoutMillis ?? DEFAULT_TIMEOUT_MILLIS;
  const asked = connectionDetails.prometheusUrl;
  if (asked !== undefined && asked !== null && asked !== '') {
    if (typeof asked !== 'string') throw remoteMirrorError('prometheusUrl must be a string.');
    const problem = checkPrometheusUrl(asked);
    if (problem) throw remoteMirrorError(`The connection details' prometheusUrl ${problem}.`);
    const base = baseOf(asked);
    if (base.href !== configured.href) {
      if (!allowedBases(options).has(base.href)) {
        throw remoteMirrorError(
          `The connection details name a Prometheus at ${base.origin}${base.pathname.replace(/\/$/, '')}, which this mirror may not call.`,
          'Add it in Settings → Data source → Other Prometheus URLs (or --prometheus-allow-url) on the machine that runs the mirror.',
        );
      }
      return { base, headers: {}, timeoutMillis };
    }
  }
  return { base: configured, headers: authHeaders(options), timeoutMillis };
}

/** The allowed other servers, as base URLs; an entry that is not a valid URL allows nothing. */
function allowedBases(options: PrometheusOptions): Set<string> {
  const entries = (options.allowedUrls ?? '').split(/[\s,]+/).filter((entry) => entry !== '');
  return new Set(
    entries.filter((entry) => checkPrometheusUrl(entry) === null).map((entry) => baseOf(entry).href),
  );
}

/** The option's check: every entry a Prometheus URL. */
export function checkAllowedUrls(value: string): string | null {
  const entries = value.split(/[\s,]+/).filter((entry) => entry !== '');
  const bad = entries.findIndex((entry) => checkPrometheusUrl(entry) !== null);
  return bad === -1 ? null : `entry ${bad + 1} ${checkPrometheusUrl(entries[bad]!)}`;
}

function authHeaders(options: PrometheusOptions): Record<string, string> {
  if (options.bearerToken) return { authorization: `Bearer ${options.bearerToken}` };
  if (options.username !== undefined && options.username !== '') {
    const pair = `${options.username}:${options.password ?? ''}`;
    return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
  }
  return {};
}

/** The server for messages: origin and path, never a credential. */
export const shownUrl = (target: PrometheusTarget) =>
  `${target.base.origin}${target.base.pathname}`.replace(/\/$/, '');

/** The context with a signal that also fires after the target's time-out, as a MetricStoreConnectionError. */
async function withTimeout<T>(
  target: PrometheusTarget,
  context: SourceContext,
  call: (context: SourceContext) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(
      metricStoreConnectionError(
        `Prometheus at ${shownUrl(target)} did not answer within ${target.timeoutMillis / 1000} s.`,
      ),
    );
  }, target.timeoutMillis);
  try {
    return await call({ ...context, signal: AbortSignal.any([context.signal, controller.signal]) });
  } finally {
    clearTimeout(timer);
  }
}

/** A raw HTTP answer (for /-/ready, which is not JSON). */
export async function getPlain(
  target: PrometheusTarget,
  path: string,
  context: SourceContext,
): Promise<{ status: number; text: string }> {
  const url = new URL(path, target.base);
  const answer = await withTimeout(target, context, (ctx) =>
    callBackend(url, { method: 'GET', headers: target.headers }, ctx),
  );
  return { status: answer.status, text: answer.body.toString('utf8', 0, Math.min(answer.body.length, 300)) };
}

/** `GET api/v1/<path>?<params>`: its `data`, or a protocol error saying what went wrong. */
export async function apiGet(
  target: PrometheusTarget,
  path: string,
  params: URLSearchParams,
  context: SourceContext,
): Promise<unknown> {
  const url = new URL(`api/v1/${path}`, target.base);
  url.search = params.toString();
  // Long selectors go as a form body: Prometheus takes POST on query, labels and series.
  const usePost = url.href.length > 4000 && !path.startsWith('label/') && !path.startsWith('metadata');
  const init: RequestInit = usePost
    ? {
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/x-www-form-urlencoded' },
        body: params.toString(),
      }
    : { method: 'GET', headers: target.headers };
  if (usePost) url.search = '';
  const answer = await withTimeout(target, context, (ctx) => callBackend(url, init, ctx));
  const where = shownUrl(target);
  if (answer.status === 401 || answer.status === 403) {
    throw metricStoreConnectionError(
      `Prometheus at ${where} refused the request (HTTP ${answer.status}): check the mirror's Prometheus credentials.`,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(answer.body.toString('utf8'));
  } catch {
    throw notPrometheus(where, `HTTP ${answer.status} with a body that is not JSON`);
  }
  if (!isRecord(body)) throw notPrometheus(where, 'a JSON answer that is not an object');
  if (body.status === 'success') return body.data;
  if (body.status === 'error') {
    const errorType = typeof body.errorType === 'string' ? body.errorType.slice(0, 40) : 'error';
    const message = typeof body.error === 'string' ? body.error.slice(0, 500) : '(no message)';
    if (errorType === 'timeout' || errorType === 'unavailable' || answer.status === 503) {
      throw metricStoreConnectionError(`Prometheus at ${where} could not answer (${errorType}): ${message}`);
    }
    throw remoteMirrorError(`Prometheus refused the query (${errorType}).`, message);
  }
  throw notPrometheus(where, `HTTP ${answer.status} without a "status" of success or error`);
}

const notPrometheus = (where: string, what: string) =>
  remoteMirrorError(
    `Prometheus at ${where} answered something that is not its HTTP API.`,
    `Expected Prometheus's JSON envelope, got ${what}. Check the URL points at a Prometheus server.`,
  );

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The answer's data as a list of strings (labels, label values), or a protocol error. */
export function stringList(data: unknown, where: PrometheusTarget): string[] {
  if (Array.isArray(data) && data.every((item) => typeof item === 'string')) return data as string[];
  if (data === null) return [];
  throw notPrometheus(shownUrl(where), 'a list that is not a list of strings');
}

/** One series of a matrix, checked: its labels and its samples as epoch ms and numbers. */
export interface Series {
  labels: Record<string, string>;
  times: number[];
  values: number[];
}

/**
 * An instant query's matrix result, checked. Non-finite samples (NaN, ±Inf) are dropped, since JSON
 * cannot carry them; `dropped` counts them.
 */
export function matrixOf(data: unknown, target: PrometheusTarget): { series: Series[]; dropped: number } {
  const where = shownUrl(target);
  if (!isRecord(data) || data.resultType !== 'matrix' || !Array.isArray(data.result)) {
    throw notPrometheus(where, 'a query result that is not a matrix');
  }
  const series: Series[] = [];
  let dropped = 0;
  for (const item of data.result) {
    if (!isRecord(item) || !isRecord(item.metric) || !Array.isArray(item.values)) {
      throw notPrometheus(where, 'a matrix entry without metric and values');
    }
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(item.metric)) {
      if (typeof value !== 'string') throw notPrometheus(where, 'a label value that is not a string');
      labels[name] = value;
    }
    const times: number[] = [];
    const values: number[] = [];
    for (const sample of item.values) {
      if (!Array.isArray(sample) || typeof sample[0] !== 'number' || typeof sample[1] !== 'string') {
        throw notPrometheus(where, 'a sample that is not [seconds, "value"]');
      }
      const value = sampleValue(sample[1]);
      if (!Number.isFinite(value)) {
        dropped++;
        continue;
      }
      times.push(Math.round(sample[0] * 1000));
      values.push(value);
    }
    series.push({ labels, times, values });
  }
  return { series, dropped };
}

/** A sample's text as a number: Prometheus writes "+Inf", "-Inf" and "NaN" besides plain numbers. */
function sampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return text.trim() === '' ? Number.NaN : Number(text);
}

/** A vector result's single number (for `count_over_time` sums), 0 when empty. */
export function scalarOfVector(data: unknown, target: PrometheusTarget): number {
  if (!isRecord(data) || data.resultType !== 'vector' || !Array.isArray(data.result)) {
    throw notPrometheus(shownUrl(target), 'a query result that is not a vector');
  }
  let total = 0;
  for (const item of data.result) {
    const sample = isRecord(item) ? item.value : undefined;
    if (!Array.isArray(sample) || typeof sample[1] !== 'string') {
      throw notPrometheus(shownUrl(target), 'a vector sample that is not [seconds, "value"]');
    }
    const value = Number(sample[1]);
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/** Epoch ms as Prometheus's seconds with millisecond precision. */
export const promSeconds = (millis: number) => (millis / 1000).toFixed(3);
