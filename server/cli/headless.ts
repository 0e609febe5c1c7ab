// The headless entry: the same session as the desktop app, the UI in any browser, and the
// connection details and request log on stdout. `npm run headless -- --help` lists the options.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ControlPortInUseError } from '../control/server';
import { type Runtime, startRuntime } from '../runtime';
import { FileSettingsStore } from '../settings/file-store';
import { parseCliArgs, USAGE } from './args';
import { BoundedOutput } from './bounded-output';
import { readyEvent, readyText, requestEvent, requestText, stateEvent, stateText } from './output';

/**
 * Exit codes: 0 clean stop, 1 unexpected failure, 2 bad options. A mirror that could not start (its
 * port taken, an address not on this machine) is no reason to end: the window says why, and can
 * change the port or the host (runtime.ts).
 */
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
  // On stderr: stdout is one JSON object a line in --json mode.
  for (const warning of options.warnings) process.stderr.write(`Warning: ${warning}\n`);
  // A stdout nobody reads must not grow the process: request lines are dropped (and counted) past a
  // bound, states coalesce; the rest is always printed (see bounded-output.ts).
  const output = new BoundedOutput(process.stdout, {
    droppedLine: (count) =>
      options.json
        ? JSON.stringify({ event: 'dropped', requests: count })
        : `… ${count} requests not printed (output was not being read)`,
  });
  const print = (line: string) => output.always(line);
  const printJson = (event: object) => print(JSON.stringify(event));

  const store = new FileSettingsStore(options.settingsPath ?? undefined);
  let runtime: Runtime;
  try {
    runtime = await startRuntime({
      store,
      overrides: options.overrides,
      uiPort: options.uiPort,
      uiRoot: fileURLToPath(new URL('../../dist/renderer', import.meta.url)),
    });
  } catch (error) {
    if (!(error instanceof ControlPortInUseError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 2;
  }
  const { session, control } = runtime;
  // The signals are caught before anything says "Press Ctrl+C": a Ctrl+C that comes between the two
  // (a script that stops the app as soon as it reads its address) would otherwise end it uncleanly.
  const stopped = new Promise<number>((resolve) => {
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
    // The same signal can come twice at once (a Ctrl+C reaches npm and this process, and npm passes
    // it on too): each one asks for the one clean stop. SIGHUP: the terminal was closed.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, stop);
  });

  // A mirror that could not start is no dead end: the window's address is printed all the same; it
  // offers "Use a free port" for a taken port, and its settings for the rest (the state says why).
  if (options.json) printJson(readyEvent(session.state, control.uiUrl));
  else print(readyText(session.state, control.uiUrl));

  for (const warning of [...options.notes, ...session.startupWarnings]) {
    if (options.json) printJson({ event: 'notice', message: warning });
    else print(`Note: ${warning}`);
  }
  session.on('state', (state) =>
    output.latest(options.json ? JSON.stringify(stateEvent(state)) : stateText(state)),
  );
  session.on('notice', (notice) =>
    options.json ? printJson({ event: 'notice', message: notice }) : print(notice),
  );
  session.log.subscribe((event) => {
    if (event.type !== 'append') return;
    const { entry } = event;
    output.droppable(() => (options.json ? JSON.stringify(requestEvent(entry)) : requestText(entry)));
  });

  return stopped;
}

/** Runs the headless mode and exits with its code (scripts/headless.mjs calls it, from the bundle, after the build). */
export function run(argv: string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (error: Error) => {
      process.stderr.write(`Unexpected failure: ${error.message}\n`);
      process.exit(1);
    },
  );
}

// `node --import tsx server/cli/headless.ts`: this file is the entry, so it runs.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  run(process.argv.slice(2));
}
