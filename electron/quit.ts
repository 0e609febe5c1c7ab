// The quit sequence, pure and testable without Electron: stop the runtime (tunnel, then mirror,
// then control API: runtime.stop keeps that order), then exit the app. It runs once however many
// times it is triggered (tray Quit, Cmd-Q, logout, a signal), and exits after `timeoutMillis`
// even if stopping hangs, so the app can never get stuck half-closed.

/**
 * The whole quit's budget. A Linux shutdown waits for the app through a logind delay lock, which
 * logind honours for InhibitDelayMaxSec, 5 s by default (logind.conf(5)): the app must be gone well
 * before, so every quit ends within 4.5 s.
 */
export const QUIT_TIMEOUT_MILLIS = 4500;
/** runtime.stop's own budget: the tunnel, the mirror and the control API, inside the quit's. */
export const STOP_TIMEOUT_MILLIS = 4000;

export interface QuitSequenceOptions {
  /** Stops tunnel, mirror and control API, in that order. */
  stopRuntime: () => Promise<void>;
  /** Ends the process (app.exit in Electron); called exactly once. */
  exitApp: (code: number) => void;
  /** The longest the sequence waits for stopRuntime before exiting anyway. */
  timeoutMillis: number;
  /** Told when stopping failed or timed out, for the log. */
  onProblem?: (problem: string) => void;
}

export interface QuitSequence {
  /** True once triggered: quitting is under way (the window may close for real). */
  readonly started: boolean;
  /** True once exitApp has been called. */
  readonly finished: boolean;
  /** Starts the sequence, or joins the one under way; resolves after exitApp. */
  run(exitCode?: number): Promise<void>;
}

export function createQuitSequence(options: QuitSequenceOptions): QuitSequence {
  let running: Promise<void> | null = null;
  let finished = false;

  const sequence = async (exitCode: number): Promise<void> => {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), options.timeoutMillis);
    });
    const stopped = Promise.resolve()
      .then(options.stopRuntime)
      .then(
        () => 'stopped' as const,
        (error: unknown) => {
          options.onProblem?.(`Stopping failed: ${(error as Error)?.message ?? String(error)}`);
          return 'failed' as const;
        },
      );
    const outcome = await Promise.race([stopped, timedOut]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      options.onProblem?.(`Stopping took longer than ${options.timeoutMillis} ms; exiting anyway.`);
    }
    finished = true;
    options.exitApp(exitCode);
  };

  return {
    get started() {
      return running !== null;
    },
    get finished() {
      return finished;
    },
    run(exitCode = 0) {
      running ??= sequence(exitCode);
      return running;
    },
  };
}
