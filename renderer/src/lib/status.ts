// The session's state in words and colour: what the status card and the header pill show. Pure.
import type { SessionState } from './contract';
import type { Tone } from './format';

export interface StatusView {
  /** A few words for the status card, e.g. "Online" or "Ready". */
  headline: string;
  /** The header pill's shorter form (the header is narrow in a small window). */
  pill: string;
  tone: Tone;
  /** The session's own sentence (on errors it says what to do). */
  message: string;
  /** What to do next, when the phase needs the user. */
  hint: string | null;
  mirrorLine: string;
  tunnelLine: string;
  networkWarning: string | null;
  /** Whether the mirror is up (something to stop). */
  running: boolean;
}

export function statusView(state: SessionState): StatusView {
  const view = phaseView(state);
  return { ...view, pill: view.pill ?? view.headline };
}

function phaseView(state: SessionState): Omit<StatusView, 'pill'> & { pill?: string } {
  const { phase, tunnel, mirror } = state;
  const noTunnel = tunnel.kind === 'none';
  const running = mirror.port !== null;
  const base = {
    message: state.message,
    networkWarning: mirror.networkWarning,
    running,
    mirrorLine: mirrorLine(state),
    tunnelLine: tunnelLine(state),
  };
  switch (phase) {
    case 'stopped':
      return {
        ...base,
        headline: 'Stopped',
        tone: 'idle',
        hint: 'Press Start (at the top) to run the mirror again.',
      };
    case 'starting':
      return { ...base, headline: 'Starting…', tone: 'info', hint: null };
    case 'stopping':
      return { ...base, headline: 'Stopping…', tone: 'idle', hint: null };
    case 'local':
      // The session's message says what to do (add the authtoken, or choose no tunnel), and the
      // first-run form is right below: no hint of our own.
      return { ...base, headline: 'Local only', tone: 'warn', hint: null };
    case 'connecting':
      return { ...base, headline: 'Connecting…', tone: 'info', hint: null };
    case 'online':
      // The session's sentence says who can reach the mirror, and where: no hint repeats it.
      return { ...base, headline: noTunnel ? 'Ready' : 'Online', tone: 'ok', hint: null };
    case 'reconnecting':
      return {
        ...base,
        headline: 'Reconnecting…',
        tone: 'warn',
        hint: 'The tunnel comes back on its own; StackState sees errors until it does.',
      };
    case 'tunnel-error':
      return {
        ...base,
        headline: 'Tunnel error',
        tone: 'error',
        // A retry on its own shows its countdown instead; a failure that needs the user says what to do.
        hint:
          tunnel.retryAt !== null || tunnel.status.state === 'connecting'
            ? null
            : 'Fix what the message says, then press Try again.',
      };
    case 'error':
      return {
        ...base,
        headline: 'Mirror down',
        tone: 'error',
        hint: 'Change the port in Settings or stop what uses it, then press Start again.',
      };
  }
}

/** The status card's buttons. `id` names the action, so focus can follow it when the buttons are rebuilt. */
export interface StatusAction {
  id: 'restart' | 'authtoken' | 'settings';
  label: string;
  primary: boolean;
}

export function statusActions(state: Pick<SessionState, 'phase' | 'tunnel'>): StatusAction[] {
  const { phase } = state;
  if (phase !== 'tunnel-error' && phase !== 'error') return [];
  const actions: StatusAction[] = [
    { id: 'restart', label: phase === 'error' ? 'Start again' : 'Try again', primary: true },
  ];
  // Only a refused token is the token's fault (not a network that is down, say).
  if (phase === 'tunnel-error' && state.tunnel.authtokenRefused) {
    actions.push({ id: 'authtoken', label: 'Change authtoken', primary: false });
  }
  actions.push({ id: 'settings', label: 'Settings', primary: false });
  return actions;
}

function mirrorLine(state: SessionState): string {
  const { mirror, dataSource } = state;
  if (mirror.port === null) return 'Mirror: not running';
  const where = mirror.localUrl ?? `${mirror.host}:${mirror.port}`;
  return `Mirror: running at ${where} (${dataSource.description})`;
}

function tunnelLine(state: SessionState): string {
  const { tunnel } = state;
  if (tunnel.kind === 'none') return 'Tunnel: none';
  const status = tunnel.status;
  switch (status.state) {
    case 'closed':
      return state.phase === 'local' ? 'Tunnel: ngrok, not started (no authtoken)' : 'Tunnel: ngrok, closed';
    case 'connecting':
      return `Tunnel: ngrok, connecting (attempt ${status.attempt})`;
    case 'online':
      return `Tunnel: ngrok, online at ${status.publicUrl}`;
    case 'reconnecting':
      return `Tunnel: ngrok, reconnecting (attempt ${status.attempt})`;
    case 'error':
      return `Tunnel: ngrok, failed (${status.code})`;
  }
}

/** The live line under a tunnel failure that is tried again by itself: "Next try in 12 s." */
export function retryLine(state: Pick<SessionState, 'phase' | 'tunnel'>, now: number): string | null {
  const { retryAt, status } = state.tunnel;
  if (state.phase !== 'tunnel-error' && state.phase !== 'reconnecting') return null;
  if (status.state === 'connecting') return state.phase === 'tunnel-error' ? 'Trying again now…' : null;
  if (retryAt === null) return null;
  const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000));
  return seconds === 0 ? 'Trying again now…' : `Next try in ${seconds} s.`;
}
