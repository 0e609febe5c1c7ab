// Small formatting helpers shared by the views. Pure: no DOM.
import type { LogEntry, RequestOrigin } from './contract';

type Operation = NonNullable<LogEntry['operation']>;

/** The four operations, as StackState's users know them (same labels as server/mirror/protocol.ts). */
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

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Local wall-clock time, HH:MM:SS (with .mmm when asked). */
export function formatClock(epochMillis: number, withMillis = false): string {
  const d = new Date(epochMillis);
  const base = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return withMillis ? `${base}.${pad(d.getMilliseconds(), 3)}` : base;
}

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
  return `${entry.resultCount} ${entry.resultCount === 1 ? one : many}`;
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

/** One row of the request list, ready to show. */
export interface RowView {
  id: number;
  time: string;
  operation: string;
  summary: string;
  status: string;
  statusTone: Tone;
  duration: string;
  results: string;
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

export function rowView(entry: LogEntry): RowView {
  return {
    id: entry.id,
    time: formatClock(entry.time),
    operation: operationLabel(entry),
    summary: entry.error ? `${entry.summary} · ${entry.error}`.replace(/^ · /, '') : entry.summary,
    status: String(entry.status),
    statusTone: statusCodeTone(entry),
    duration: formatDuration(entry.durationMillis),
    results: resultLabel(entry),
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
