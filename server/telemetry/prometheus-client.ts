// Calls to Prometheus's HTTP API (/api/v1/…) for the prometheus source: which server (the setting,
// or `prometheusUrl` in StackState's connection details), its credentials, a time-out of its own,
// and every answer checked before use: Prometheus answering garbage is a clear RemoteMirrorError.
//
// Credentials (basic auth or a bearer token) and custom headers (a tenant) go only to the configured
// server: a `prometheusUrl` from the connection details with another origin or path gets none, since
// anyone who can reach the mirror can write connection details. No credential appears in any message.
//
// The time-out counts from when a call is sent (not while it waits for a backend slot), and the
// answer is parsed while the call still holds its slot (answer-parser.ts), off the main thread when
// it is large.
import {
  type CompactSeries,
  type DecodeRequest,
  isCompactMatrix,
  NestingScan,
  type StringPage,
} from './answer-decode';
import { INLINE_PARSE_BYTES, parseAnswer } from './answer-parser';
import { AnswerRefused, type BackendAnswer, type CallOptions, callBackend } from './backend';
import { customHeaders, parseHeaders, TENANT_HEADER } from './prometheus-headers';
import { metricStoreConnectionError, remoteMirrorError, type SourceContext, TelemetryError } from './source';

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
  /** How long one call may take, from when it is sent, before it counts as "Prometheus is not answering". */
  timeoutMillis?: number | undefined;
  /** Custom headers, one `Name: value` a line (prometheus-headers.ts): shown in the window. */
  headers?: string | undefined;
  /** The same, kept like the bearer token (a tenant's token, a gateway's key). */
  secretHeaders?: string | undefined;
}

/** One call's target: the server's base URL and the headers to send it. */
export interface PrometheusTarget {
  base: URL;
  headers: Record<string, string>;
  timeoutMillis: number;
  /**
   * What the mirror does with its credentials on this target: sends them (its own Prometheus, with
   * some set), has none to send, or withholds them (another allowed URL the request named).
   */
  credentials: 'sent' | 'none' | 'withheld';
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
      return { base, headers: {}, timeoutMillis, credentials: 'withheld' };
    }
  }
  const credentials = authHeaders(options);
  const sends = Object.keys(credentials).length > 0 || parseHeaders(options.secretHeaders).length > 0;
  return {
    base: configured,
    headers: { ...customHeaders(options.headers, options.secretHeaders), ...credentials },
    timeoutMillis,
    credentials: sends ? 'sent' : 'none',
  };
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
export const shownUrl = (target: PrometheusTarget) => shownBase(target.base);

/** A configured Prometheus URL as every message writes it (shownUrl), or as typed when it is not a URL. */
export function shownPrometheusUrl(text: string): string {
  try {
    return shownBase(baseOf(text));
  } catch {
    return text;
  }
}

const shownBase = (base: URL) => `${base.origin}${base.pathname}`.replace(/\/$/, '');

/** The call's options: its lane, and its time-out from when it is sent, as a MetricStoreConnectionError. */
function callOptions(target: PrometheusTarget, lane: CallOptions['lane']): CallOptions {
  return {
    lane,
    ...(lane === 'connection' ? { tooLarge: (cap: string) => notTheApi(target, cap) } : {}),
    timeout: {
      millis: target.timeoutMillis,
      error: () =>
        metricStoreConnectionError(
          `Prometheus at ${shownUrl(target)} did not answer within ${target.timeoutMillis / 1000} s.`,
        ),
    },
  };
}

/** Test Connection's answers are a few hundred bytes: one past its cap came from something else. */
const notTheApi = (target: PrometheusTarget, cap: string) =>
  `Prometheus at ${shownUrl(target)} answered Test Connection with more than ${cap}, where its API answers in a few hundred bytes: the URL serves something else (a web page?). Check that it is the address of the Prometheus server (for Mimir and Cortex, the URL ends in /prometheus).`;

/** The start of an answer's text (for readiness pages and refusals), at most `chars` characters. */
const textOf = (answer: BackendAnswer, chars: number) =>
  answer.body.toString('utf8', 0, Math.min(answer.body.length, chars * 4)).slice(0, chars);

/** A raw HTTP answer on Test Connection's own lane (readiness pages are not JSON). */
export async function getPlain(
  target: PrometheusTarget,
  url: URL,
  context: SourceContext,
): Promise<{ status: number; text: string }> {
  const answer = await callBackend(
    url,
    { method: 'GET', headers: target.headers },
    context,
    callOptions(target, 'connection'),
  );
  return { status: answer.status, text: textOf(answer, 300) };
}

/**
 * Why the backend refused the call (HTTP 401 or 403), in words that say what was missing: a tenant
 * (Mimir and Cortex answer "no org id"), or credentials, sent or not.
 */
export function refusalCause(target: PrometheusTarget, status: number, said: string): string {
  if (/org ?id|tenant/i.test(said) && !(TENANT_HEADER.toLowerCase() in target.headers)) {
    return `the backend asked for a tenant (${TENANT_HEADER}) (HTTP ${status}): add the header ${TENANT_HEADER}: <tenant> under Custom headers`;
  }
  switch (target.credentials) {
    case 'sent':
      return `it refused the mirror's credentials (HTTP ${status})`;
    case 'withheld':
      return `it asked for credentials (HTTP ${status}); the mirror sends its credentials only to the Prometheus URL in its settings, not to one the connection details name`;
    case 'none': {
      // A gateway's key may be a plain custom header: then something was sent, and refused.
      const sent = Object.keys(target.headers).filter((name) => name !== TENANT_HEADER.toLowerCase());
      return sent.length > 0
        ? `it refused the request (HTTP ${status}) with the custom headers sent (${sent.join(', ')}): check their values, or set a bearer token, a user and password, or a secret header`
        : `it asked for credentials (HTTP ${status}) and the mirror sent none: set a bearer token, a user and password, or a secret header`;
    }
  }
}

interface ApiCall {
  path: string;
  params: URLSearchParams;
  request: DecodeRequest;
  lane?: CallOptions['lane'];
}

/** `GET api/v1/<path>?<params>`: its `data` (decoded as asked) and warnings, or a protocol error. */
async function apiCall(
  target: PrometheusTarget,
  call: ApiCall,
  context: SourceContext,
): Promise<{ data: unknown; warnings: string[] }> {
  const { path, params } = call;
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
  const where = shownUrl(target);
  // The answer's start is scanned here as it arrives, so deep nesting is refused before the rest
  // is read; the parse scans all of it again, off this thread when it is large (answer-parser.ts).
  const scan = (): ((chunk: Uint8Array) => string | null) => {
    const nesting = new NestingScan();
    let scanned = 0;
    return (chunk) => {
      if (scanned >= INLINE_PARSE_BYTES) return null;
      scanned += chunk.byteLength;
      return nesting.feed(chunk);
    };
  };
  const outcome = await callBackend(
    url,
    init,
    context,
    { ...callOptions(target, call.lane), scan },
    async (answer, signal) =>
      answer.status === 401 || answer.status === 403
        ? { status: answer.status, refused: textOf(answer, 300) }
        : { status: answer.status, decoded: await parseAnswer(answer.body, call.request, signal) },
  ).catch((error: unknown) => {
    throw error instanceof AnswerRefused ? notPrometheus(where, error.problem) : error;
  });
  if (outcome.refused !== undefined) {
    throw metricStoreConnectionError(
      `Prometheus at ${where} refused the request: ${refusalCause(target, outcome.status, outcome.refused)}.`,
    );
  }
  const { status, decoded } = outcome;
  if (decoded.kind === 'success') return { data: decoded.data, warnings: decoded.warnings };
  if (decoded.kind === 'invalid') {
    throw notPrometheus(where, `HTTP ${status} with ${decoded.what}`);
  }
  const { errorType, error: message } = decoded;
  if (errorType === 'timeout' || errorType === 'unavailable' || status === 503) {
    throw new PrometheusNotReady({
      _type: 'MetricStoreConnectionError',
      details: `Prometheus at ${where} could not answer (${errorType}): ${message}`,
    });
  }
  throw remoteMirrorError(`Prometheus refused the query (${errorType}).`, message);
}

/** `GET api/v1/<path>?<params>`: its `data`, or a protocol error saying what went wrong. */
export async function apiGet(
  target: PrometheusTarget,
  path: string,
  params: URLSearchParams,
  context: SourceContext,
): Promise<unknown> {
  return (await apiCall(target, { path, params, request: {} }, context)).data;
}

/** The same on Test Connection's lane: a small answer, never behind metric queries. */
export async function apiGetForConnection(
  target: PrometheusTarget,
  path: string,
  params: URLSearchParams,
  context: SourceContext,
): Promise<unknown> {
  return (await apiCall(target, { path, params, request: {}, lane: 'connection' }, context)).data;
}

/**
 * A list of strings (label names, label values), deduplicated, ordered (numbers as numbers),
 * filtered and paged where it is parsed, so a list of 200,000 values never reaches this thread whole.
 */
export async function apiStrings(
  target: PrometheusTarget,
  path: string,
  params: URLSearchParams,
  page: NonNullable<DecodeRequest['strings']>,
  context: SourceContext,
): Promise<StringPage & { warnings: string[] }> {
  const { data, warnings } = await apiCall(target, { path, params, request: { strings: page } }, context);
  return { ...(data as StringPage), warnings };
}

/**
 * Prometheus was reached and said it cannot serve queries now (starting, overloaded, its ring not
 * ready): its readiness page may say why (prometheus-readiness.ts).
 */
export class PrometheusNotReady extends TelemetryError {}

export const notPrometheus = (where: string, what: string) =>
  remoteMirrorError(
    `Prometheus at ${where} answered something that is not its HTTP API.`,
    `Expected Prometheus's JSON envelope, got ${what}. Check the URL points at a Prometheus server (for Mimir and Cortex, the URL ends in /prometheus).`,
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
 * A query's matrix result as Series. Every matrix comes decoded and checked by apiGet
 * (answer-decode.ts); non-finite samples (NaN, ±Inf) are dropped here, since JSON cannot carry
 * them, and `dropped` counts them.
 */
export function matrixOf(data: unknown, target: PrometheusTarget): { series: Series[]; dropped: number } {
  if (!isCompactMatrix(data)) throw notPrometheus(shownUrl(target), 'a query result that is not a matrix');
  return seriesOfCompact(data.compact);
}

/** A matrix apiGet decoded (answer-decode.ts), as Series: non-finite samples dropped and counted. */
function seriesOfCompact(compact: CompactSeries[]): { series: Series[]; dropped: number } {
  let dropped = 0;
  const series = compact.map(({ labels, times: allTimes, values: allValues }) => {
    const times: number[] = [];
    const values: number[] = [];
    for (let i = 0; i < allValues.length; i++) {
      const value = allValues[i]!;
      if (!Number.isFinite(value)) {
        dropped++;
        continue;
      }
      times.push(allTimes[i]!);
      values.push(value);
    }
    return { labels, times, values };
  });
  return { series, dropped };
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
