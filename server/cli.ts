// The headless entry: the same session as the desktop app, the UI in any browser, and the
// connection details and request log on stdout. `npm run headless -- --help` lists the options.
import { fileURLToPath } from 'node:url';
import { parseCliArgs, USAGE } from './cli-args';
import { readyEvent, readyText, requestEvent, requestText, stateEvent, stateText } from './cli-output';
import { ControlPortInUseError } from './control/server';
import { type Runtime, startRuntime } from './runtime';
import { FileSettingsStore } from './settings-file';

/** Exit codes: 0 clean stop, 1 unexpected failure, 2 bad options or the mirror could not start. */
export async function main(argv: string[]): Promise<number> {
  const options = parseCliArgs(argv);
  if ('error' in options) {
    process.stderr.write(`${options.error}\n`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const print = (line: string) => process.stdout.write(`${line}\n`);
  const printJson = (event: object) => print(JSON.stringify(event));

  const store = new FileSettingsStore(options.settingsPath ?? undefined);
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      store,
      overrides: options.overrides,
      uiPort: options.uiPort,
      uiRoot: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    });
  } catch (error) {
    if (!(error instanceof ControlPortInUseError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const { session, control } = runtime;

  if (session.state.phase === 'error') {
    process.stderr.write(`${session.state.message}\n`);
    await runtime.stop();
    return 2;
  }

  if (options.json) printJson(readyEvent(session.state, control.uiUrl));
  else print(readyText(session.state, control.uiUrl));

  for (const warning of session.startupWarnings) {
    if (options.json) printJson({ event: 'notice', message: warning });
    else print(`Note: ${warning}`);
  }
  session.on('state', (state) => (options.json ? printJson(stateEvent(state)) : print(stateText(state))));
  session.on('notice', (notice) =>
    options.json ? printJson({ event: 'notice', message: notice }) : print(notice),
  );
  session.log.subscribe((event) => {
    if (event.type !== 'append') return;
    if (options.json) printJson(requestEvent(event.entry));
    else print(requestText(event.entry));
  });

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      // Whatever happens, be gone within 5 s of the signal.
      setTimeout(() => resolve(0), 4500).unref();
      session.removeAllListeners('state');
      await runtime.stop(4000);
      if (options.json) printJson({ event: 'stopped' });
      else print('Stopped. Nothing is listening any more.');
      resolve(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`Unexpected failure: ${error.message}\n`);
    process.exit(1);
  },
);
