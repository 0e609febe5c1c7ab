// The ngrok authtoken form on the Setup tab: when it shows, and what it says. Pure.
import type { SessionState } from './contract';

export interface FirstRunView {
  visible: boolean;
  /** Whether Cancel is offered: the form was opened on request, not because the tunnel needs a token. */
  cancellable: boolean;
  title: string;
  intro: string;
  saveLabel: string;
}

const FIRST_INTRO =
  'To let StackState reach this mirror over the internet, the app opens an ngrok tunnel. It needs your ngrok authtoken once.';

/**
 * `forced`: opened on request (Change authtoken, Settings → Replace…/Add…). Then it shows in every
 * phase, stopped included (the token is used at the next Start). Unasked, it shows only while the
 * mirror runs with the "ngrok" tunnel and no token.
 */
export function firstRunView(state: SessionState, forced: boolean): FirstRunView {
  const { phase, settings, tunnel } = state;
  const stopped = phase === 'stopped';
  const needed = !settings.hasAuthtoken && tunnel.kind === 'ngrok';
  const asked = needed && !stopped;
  const tunnelNow = !idle(state) && tunnel.kind === 'ngrok';
  return {
    visible: asked || forced,
    cancellable: forced && !asked,
    title: settings.hasAuthtoken ? 'Replace the ngrok authtoken' : 'Connect the tunnel',
    intro: intro(state),
    saveLabel: tunnelNow ? 'Save and connect' : 'Save',
  };
}

/** No mirror runs, so a saved token waits for the next Start (stopped, or the mirror could not start). */
const idle = (state: SessionState): boolean => state.phase === 'stopped' || state.phase === 'error';

function intro(state: SessionState): string {
  const { phase, settings, tunnel } = state;
  // Only ngrok refusing the token says that it failed; a network that is down is not its fault.
  if (phase === 'tunnel-error' && state.tunnel.authtokenRefused) {
    const which =
      settings.authtokenSource === 'environment'
        ? 'The authtoken from NGROK_AUTHTOKEN'
        : 'The saved authtoken';
    return `${which} (${settings.authtokenHint ?? 'none'}) was refused by ngrok. Paste a new one; the tunnel tries it at once.`;
  }
  const when = idle(state)
    ? 'It is used at the next Start.'
    : tunnel.kind !== 'ngrok'
      ? 'It is used once the tunnel setting is “ngrok” (it is “none” now).'
      : null;
  if (!settings.hasAuthtoken) return when ? `${FIRST_INTRO} ${when}` : FIRST_INTRO;
  return when ? `Paste a new authtoken. ${when}` : 'Paste a new authtoken; the tunnel tries it at once.';
}

/** What the toast says once a token is saved, from the state the save answered with. */
export function authtokenSavedMessage(state: SessionState): string {
  if (idle(state)) return 'Authtoken saved. The tunnel uses it at the next Start.';
  if (state.tunnel.kind !== 'ngrok')
    return 'Authtoken saved. The tunnel setting is “none”, so it is not used yet.';
  // The save may answer after the tunnel already tried: say what happened, not "opening".
  if (state.phase === 'online') return 'Authtoken saved. The tunnel is open.';
  if (state.phase === 'tunnel-error')
    return 'Authtoken saved, but the tunnel did not open: see the status card.';
  return 'Authtoken saved. Opening the tunnel to check it…';
}
