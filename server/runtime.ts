// Session + control API, started together. The headless CLI and the desktop shell both use this,
// so the two modes run the same code and differ only in how they show it.
import { ControlPortInUseError, type RunningControlServer, startControlServer } from './control/server';
import { MirrorSession, type SessionOptions } from './session';

export interface RuntimeOptions extends SessionOptions {
  /** Where the built UI lives (dist/renderer). */
  uiRoot: string;
  /** The control API's port; 0 (the default) picks a free one. */
  uiPort?: number;
  /** Fixed control token, for tests only. */
  controlToken?: string;
}

export interface Runtime {
  session: MirrorSession;
  control: RunningControlServer;
  /** Closes tunnel, mirror and control API, in that order; resolves within `timeoutMillis` whatever happens. */
  stop(timeoutMillis?: number): Promise<void>;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const session = await MirrorSession.create(options);
  const startControl = (port: number) =>
    startControlServer({
      session,
      uiRoot: options.uiRoot,
      port,
      ...(options.controlToken ? { token: options.controlToken } : {}),
    });
  let control: RunningControlServer;
  try {
    control = await startControl(options.uiPort ?? 0);
  } catch (error) {
    // A taken --ui-port is no dead end either: the window opens on any free port, and says so.
    if (!(error instanceof ControlPortInUseError) || !options.uiPort) throw error;
    control = await startControl(0);
    session.startupWarnings.push(
      `The UI port ${options.uiPort} is already in use, so the window is on port ${control.port} instead (the address below).`,
    );
  }
  await session.start();
  return {
    session,
    control,
    async stop(timeoutMillis = 4000) {
      const orderly = (async () => {
        await session.shutdown();
        await control.close();
      })();
      await Promise.race([orderly, new Promise((resolve) => setTimeout(resolve, timeoutMillis).unref())]);
    },
  };
}
