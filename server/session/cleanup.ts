// Stop & clean up: close the tunnel and the mirror, check that their ports are free, forget what
// the user asked to forget, and report each step with what is left to do in StackState.
// A step that fails is reported, never thrown, so the other steps still run.
import type { CleanupOptions, CleanupReport, CleanupStep } from '../contract/contract';
import { type RunningMirror, TUNNEL_HOST } from '../mirror/listen';
import { isPortFree } from '../ports';

export const REMAINING_IN_STACKSTATE = [
  'Remove the stream: open the component → Telemetry → the stream you added → … → Delete.',
  'Remove the Mirror data source: Settings → Telemetry Sources → Mirror sources → the data source → Delete.',
];

/** What clean-up works on; the session supplies it. */
export interface CleanupParts {
  /** The running mirror, if any: its two ports must be free afterwards. */
  mirror: Pick<RunningMirror, 'host' | 'port' | 'tunnelPort'> | null;
  closeTunnel(): Promise<CleanupStep>;
  /** Null when no mirror was running. */
  closeMirror(): Promise<CleanupStep | null>;
  log: { readonly size: number; clear(): void };
  /** Forgets what this run learnt: incidents, the checklist, the last public URL. */
  forgetRun(): void;
  /** Resets every setting (API key and authtoken included) to its default. */
  forgetSettings(): Promise<void>;
  /** Deletes the saved authtoken; true if there was one. */
  forgetAuthtoken(): Promise<boolean>;
  /** NGROK_AUTHTOKEN is set: clean-up cannot unset it, so it says so. */
  authtokenInEnvironment: boolean;
}

export async function cleanUp(parts: CleanupParts, options: CleanupOptions = {}): Promise<CleanupReport> {
  const steps: CleanupStep[] = [];
  try {
    steps.push(await parts.closeTunnel());
    const mirrorStopped = await parts.closeMirror();
    if (mirrorStopped) steps.push(mirrorStopped);
    for (const { name, port, host } of listenersOf(parts.mirror)) {
      const free = await isPortFree(port, host);
      steps.push({
        what: `${name} ${port} is free`,
        ok: free,
        detail: free ? 'Nothing listens on it any more.' : 'Something still listens on it.',
      });
    }
    const cleared = parts.log.size;
    parts.log.clear();
    steps.push({ what: 'Request log cleared', ok: true, detail: `${cleared} exchanges forgotten.` });
    parts.forgetRun();
    if (options.forgetSettings) {
      await attempt(steps, 'Settings forgotten', async () => {
        await parts.forgetSettings();
        return 'Settings, API key and authtoken reset to defaults.';
      });
    } else if (options.forgetAuthtoken) {
      await attempt(steps, 'ngrok authtoken forgotten', async () =>
        (await parts.forgetAuthtoken()) ? 'The saved authtoken was deleted.' : 'No authtoken was saved.',
      );
      if (parts.authtokenInEnvironment) {
        steps.push({
          what: 'NGROK_AUTHTOKEN is still set',
          ok: false,
          detail: 'The environment variable NGROK_AUTHTOKEN still holds a token; unset it to forget it too.',
        });
      }
    }
  } catch (error) {
    // Whatever broke, the session must not stay 'stopping': report it and end stopped, ready to Start.
    steps.push({ what: 'Clean-up', ok: false, detail: `Stopped early: ${(error as Error).message}` });
  }
  return { at: Date.now(), steps, remainingInStackState: REMAINING_IN_STACKSTATE };
}

/** The session's message once clean-up is done: what to do next, or which steps need a look. */
export function cleanupMessage(report: CleanupReport): string {
  const failed = report.steps.filter((step) => !step.ok).map((step) => step.what);
  return failed.length === 0
    ? 'Stopped and cleaned up. Now remove the stream and the Mirror data source in StackState.'
    : `Stopped, but these clean-up steps need a look: ${failed.join('; ')} (see the report).`;
}

/** Closes the mirror's listeners; the step says how it went. */
export function stopMirror(mirror: Pick<RunningMirror, 'port' | 'close'>): Promise<CleanupStep> {
  return outcome('Mirror stopped', async () => {
    await mirror.close();
    return `The mirror on port ${mirror.port} is closed.`;
  });
}

/**
 * Runs one clean-up step and records how it went. A step that fails (a settings folder that
 * cannot be written) is reported, never thrown: the other steps still run and the session ends stopped.
 */
export async function attempt(
  steps: CleanupStep[],
  what: string,
  step: () => Promise<string>,
): Promise<void> {
  steps.push(await outcome(what, step));
}

/** A step's result: its detail when it worked, the error's message when it did not. */
async function outcome(what: string, step: () => Promise<string>): Promise<CleanupStep> {
  try {
    return { what, ok: true, detail: await step() };
  } catch (error) {
    return { what, ok: false, detail: (error as Error).message };
  }
}

function listenersOf(mirror: CleanupParts['mirror']): { name: string; port: number; host: string }[] {
  if (!mirror) return [];
  return [
    { name: 'Mirror port', port: mirror.port, host: mirror.host },
    { name: 'Tunnel-only port', port: mirror.tunnelPort, host: TUNNEL_HOST },
  ];
}
