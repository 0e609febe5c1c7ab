// Session + control API, started together. The headless CLI and the desktop shell both use this,
// so the two modes run the same code and differ only in how they show it.
import { type RunningControlServer, startControlServer } from './control/server';
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
  const control = await startControlServer({
    session,
    uiRoot: options.uiRoot,
    port: options.uiPort ?? 0,
    ...(options.controlToken ? { token: options.controlToken } : {}),
  });
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
