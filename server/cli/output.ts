// What the headless mode prints: text for a person, or one JSON object per line (--json).
import type { LogEntry, SessionState } from '../contract/contract';
import { OPERATIONS } from '../protocol/messages';

export function readyText(state: SessionState, uiUrl: string): string {
  const { connection } = state;
  const lines = [
    '',
    `StackState Mirror Tray ${state.appVersion} (serving: ${state.dataSource.description})`,
    '',
    'Paste these into StackState → Settings → Telemetry Sources → Mirror sources → ADD MIRROR SOURCE:',
    `  Mirror URL               ${connection.mirrorUrl ?? (state.phase === 'error' ? '(none: the mirror is not running, see below)' : '(waiting for the tunnel…)')}`,
    `  Api Key                  ${connection.apiKey ?? '(your own mirror’s key: the window below shows it after its first answer; open it and press Self-test)'}`,
    `  Connection details JSON  ${connection.connectionDetails}`,
    '',
    `  ${state.message}`,
  ];
  if (state.mirror.networkWarning) lines.push(`  Warning: ${state.mirror.networkWarning}`);
  if (state.mirror.portBusy)
    lines.push('  Open the window below and press "Use a free port" to start the mirror now.');
  lines.push('', `Window (UI and request inspector): ${uiUrl}`, 'Press Ctrl+C to stop.', '');
  return lines.join('\n');
}

export function stateText(state: SessionState, now = Date.now()): string {
  const url =
    state.phase === 'online' && state.connection.mirrorUrl
      ? `  Mirror URL: ${state.connection.mirrorUrl}`
      : '';
  const shownUrl = url && !state.message.includes(state.connection.mirrorUrl ?? '') ? url : '';
  return `[${state.phase}] ${state.message}${shownUrl}${nextTryText(state, now)}`;
}

/** The tunnel's next automatic try, as the window's countdown says it (the line is printed once). */
function nextTryText(state: SessionState, now: number): string {
  const { retryAt } = state.tunnel;
  if (retryAt === null) return '';
  const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000));
  return ` Next try in ${seconds} s (at ${new Date(retryAt).toISOString().slice(11, 19)} UTC).`;
}

/** A time as ISO text; a busy mirror logs many requests of the same millisecond, so the last one is kept. */
let lastTime = { millis: Number.NaN, iso: '' };
function isoTime(millis: number): string {
  if (millis !== lastTime.millis) lastTime = { millis, iso: new Date(millis).toISOString() };
  return lastTime.iso;
}

export function requestText(entry: LogEntry): string {
  const time = isoTime(entry.time).slice(11, 23);
  const operation = entry.operation ? OPERATIONS[entry.operation].label : `${entry.method} ${entry.url}`;
  const result =
    entry.resultCount === null
      ? ''
      : ` · ${entry.resultCount} ${entry.operation === 'metrics' ? 'points' : 'results'}`;
  const error = entry.error ? ` · ${entry.error}` : '';
  const summary = entry.summary === operation ? '' : ` ${entry.summary}`;
  return `${time} ${operation.padEnd(15)}${summary} → ${entry.status} in ${entry.durationMillis} ms${result} (${entry.origin})${error}`;
}

export const readyEvent = (state: SessionState, uiUrl: string) => ({
  event: 'ready' as const,
  mirrorUrl: state.connection.mirrorUrl,
  apiKey: state.connection.apiKey,
  connectionDetails: state.connection.connectionDetails,
  publicUrl: state.tunnel.publicUrl,
  localUrl: state.mirror.localUrl,
  /** Where the mirror listens: 0.0.0.0 means every network this machine is on. */
  listenHost: state.mirror.host,
  listenPort: state.mirror.port,
  networkWarning: state.mirror.networkWarning,
  /** The mirror's port is taken (by what, where the OS says); the window offers "Use a free port". */
  portBusy: state.mirror.portBusy,
  uiUrl,
  phase: state.phase,
  message: state.message,
});

export const stateEvent = (state: SessionState) => ({
  event: 'state' as const,
  phase: state.phase,
  message: state.message,
  mirrorUrl: state.connection.mirrorUrl,
  publicUrl: state.tunnel.publicUrl,
  tunnel: state.tunnel.status,
  /** When the tunnel is tried again by itself (ISO time), or null. */
  nextTunnelTry: state.tunnel.retryAt === null ? null : new Date(state.tunnel.retryAt).toISOString(),
});

export const requestEvent = (entry: LogEntry) => ({
  event: 'request' as const,
  time: isoTime(entry.time),
  operation: entry.operation,
  method: entry.method,
  url: entry.url,
  status: entry.status,
  durationMillis: entry.durationMillis,
  summary: entry.summary,
  resultCount: entry.resultCount,
  origin: entry.origin,
  remoteAddress: entry.remoteAddress,
  error: entry.error,
  findings: entry.findings,
});
