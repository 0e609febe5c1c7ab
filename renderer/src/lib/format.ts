// Small formatting helpers shared by the views. Pure: no DOM.
import type { LogEntry, RequestOrigin, RequestPurpose } from './contract';
import { formatTimestamp } from './time-format';

type Operation = NonNullable<LogEntry['operation']>;

/** The four operations, as StackState's users know them (same labels as server/protocol/messages.ts). */
export const OPERATION_LABELS: Record<Operation, string> = {
  connection: 'Test Connection',
  fieldNames: 'Field names',
  fieldValues: 'Field values',
  metrics: 'Metric values',
};

const RESULT_UNITS: Record<Operation, [string, string]> = {
  connection: ['result', 'results'],
  fieldNames: ['field', 'fields'],
  fieldValues: ['value', 'values'],
  metrics: ['point', 'points'],
};

export const ORIGIN_LABELS: Record<RequestOrigin, string> = {
  local: 'local',
  tunnel: 'tunnel',
  network: 'network',
};

export const ORIGIN_TITLES: Record<RequestOrigin, string> = {
  local: 'Sent from this machine (curl, a replay, the self-test)',
  tunnel: 'Came through the tunnel: this is StackState',
  network: 'Came from another machine on the network (StackState in Docker, or someone else)',
};

export function formatDuration(millis: number): string {
  if (millis < 1) return '<1 ms';
  if (millis < 1000) return `${Math.round(millis)} ms`;
  return `${(millis / 1000).toFixed(millis < 10_000 ? 2 : 1)} s`;
}

export function operationLabel(entry: Pick<LogEntry, 'operation' | 'method' | 'url'>): string {
  return entry.operation ? OPERATION_LABELS[entry.operation] : `${entry.method} ${entry.url}`;
}

export function resultLabel(entry: Pick<LogEntry, 'operation' | 'resultCount'>): string {
  if (entry.resultCount === null || entry.operation === null || entry.operation === 'connection') return '';
  const [one, many] = RESULT_UNITS[entry.operation];
  return plural(entry.resultCount, one, many);
}

export type Tone = 'ok' | 'info' | 'warn' | 'error' | 'idle';

export function statusCodeTone(entry: Pick<LogEntry, 'status' | 'error'>): Tone {
  if (entry.status >= 500) return 'error';
  if (entry.status >= 400 || entry.error) return 'warn';
  return 'ok';
}

/**
 * Why a detail view's bodies may be incomplete: the log keeps the first 4,096 characters of each
 * (server/session/request-log.ts BODY_LIMIT_CHARS). Null when neither was cut.
 */
export function truncationNote(
  entry: Pick<LogEntry, 'requestTruncated' | 'responseTruncated'>,
): string | null {
  if (entry.requestTruncated) {
    return 'The request body was cut short in the log (it keeps the first 4,096 characters of each body): Copy as cURL and Replay cannot send the same request.';
  }
  if (entry.responseTruncated) {
    return 'The response is cut after 4,096 characters here; Copy as cURL and Replay send the complete request.';
  }
  return null;
}

/** How a request that the app itself made is marked (a caller's request has no mark). */
export const PURPOSE_LABELS: Record<Exclude<RequestPurpose, 'caller'>, string> = {
  replay: 'replay',
  'self-test': 'self-test',
  check: 'check',
};

/** A count with thousands separators, as the user's locale writes it. */
export const formatCount = (n: number): string => n.toLocaleString();

/** "1 point", "10,000 points": the count in the locale's digits, with the noun agreeing with it. */
export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${formatCount(n)} ${n === 1 ? one : many}`;

/** An option's label as the form's other labels are written: a capital first letter ("Bearer token"). */
export const fieldLabel = (label: string): string => label.charAt(0).toUpperCase() + label.slice(1);

/**
 * An option's placeholder in the form: an example, never a command-line metavariable ("URL",
 * "TOKEN"), which reads as a value to type. Such a name becomes an example for a URL, else nothing.
 */
export function fieldPlaceholder(name: string, placeholder: string): string {
  if (!/^[A-Z_]+$/.test(placeholder)) return placeholder;
  return name === 'url' ? 'http://host:port/' : '';
}

const REASON_LIMIT_CHARS = 600;

/**
 * Why an exchange failed, in the mirror's own words: the `details` of the error body it answered
 * (e.g. which field of the request was invalid), which the error's one-line summary leaves out.
 * Null when the body says nothing more. Reads a body cut short at the log's bound too.
 */
export function errorReason(entry: Pick<LogEntry, 'status' | 'error' | 'responseBody'>): string | null {
  if (entry.status < 400 && entry.error === null) return null;
  const details = detailsOf(entry.responseBody);
  if (details === null || details === '') return null;
  const reason = details.length > REASON_LIMIT_CHARS ? `${details.slice(0, REASON_LIMIT_CHARS)}…` : details;
  return entry.error?.includes(reason) ? null : reason;
}

function detailsOf(body: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    // Cut short: the details string may still be whole near the start.
    const match = /"details"\s*:\s*("(?:[^"\\]|\\.)*")/.exec(body);
    if (!match?.[1]) return null;
    try {
      return JSON.parse(match[1]) as string;
    } catch {
      return null;
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return null;
  const record = parsed as Record<string, unknown>;
  // A Test Connection failure wraps its error in the answer.
  const inner = record.error;
  const details =
    record.details ??
    (typeof inner === 'object' && inner !== null ? (inner as Record<string, unknown>).details : undefined);
  if (typeof details === 'string') return details;
  if (Array.isArray(details))
    return details.map((item) => (typeof item === 'string' ? item : JSON.stringify(item))).join('; ');
  if (details === undefined || details === null) return null;
  return JSON.stringify(details);
}

/**
 * An error row in one format, whichever part of the app wrote it: "RemoteMirrorError: Malformed JSON
 * body: The body…" (an upstream's "Type (text)" is said the same way; no stray ".:" between the parts).
 */
export function errorLine(error: string | null, reason: string | null): string {
  if (!error) return reason ?? '';
  const line = error.replace(/^(\w+) \((.*)\)$/s, '$1: $2');
  return reason ? `${line.replace(/[.:]\s*$/, '')}: ${reason}` : line;
}

/** One row of the request list, ready to show. */
export interface RowView {
  id: number;
  time: string;
  operation: string;
  summary: string;
  /** The error's one-line summary and its reason, or '' when the exchange went well. */
  error: string;
  status: string;
  statusTone: Tone;
  duration: string;
  results: string;
  /** 'replay' or 'self-test' for requests the app made; null for a caller's. */
  purpose: string | null;
  replayOf: number | null;
  origin: RequestOrigin;
  originLabel: string;
  originTitle: string;
  /** A mark for findings worth a look (a rule an upstream broke), or null. */
  flag: { label: string; tone: Tone; title: string } | null;
}

/** How a finding's severity is shown. */
export const FINDING_TONES: Record<LogEntry['findings'][number]['severity'], Tone> = {
  info: 'info',
  warn: 'warn',
  fail: 'error',
};

function findingFlag(entry: LogEntry): RowView['flag'] {
  const serious = entry.findings.filter((finding) => finding.severity !== 'info');
  if (serious.length === 0) return null;
  const failed = serious.some((finding) => finding.severity === 'fail');
  return {
    label: `⚑ ${serious.length}`,
    tone: failed ? 'error' : 'warn',
    title: serious.map((finding) => finding.message).join('\n'),
  };
}

/** A row of the list; `now` decides whether its time needs the day before it. */
export function rowView(entry: LogEntry, now = Date.now()): RowView {
  return {
    id: entry.id,
    time: formatTimestamp(entry.time, { now }),
    operation: operationLabel(entry),
    summary: entry.summary,
    error: errorLine(entry.error, errorReason(entry)),
    status: String(entry.status),
    statusTone: statusCodeTone(entry),
    duration: formatDuration(entry.durationMillis),
    results: resultLabel(entry),
    purpose: entry.purpose === 'caller' ? null : PURPOSE_LABELS[entry.purpose],
    replayOf: entry.replayOf,
    origin: entry.origin,
    originLabel: ORIGIN_LABELS[entry.origin],
    originTitle: ORIGIN_TITLES[entry.origin],
    flag: findingFlag(entry),
  };
}

/** Splits text into plain parts and https links, so a message's URLs can be made clickable safely. */
export function splitLinks(text: string): Array<{ text: string; href?: string }> {
  const parts: Array<{ text: string; href?: string }> = [];
  const pattern = /https:\/\/[^\s)<>"']+[^\s)<>"'.,;:]/g;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const index = match.index ?? 0;
    if (index > last) parts.push({ text: text.slice(last, index) });
    parts.push({ text: match[0], href: match[0] });
    last = index + match[0].length;
  }
  if (last < text.length) parts.push({ text: text.slice(last) });
  return parts;
}
