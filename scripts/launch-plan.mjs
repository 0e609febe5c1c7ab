// Can `npm start` run the desktop app here, and if not, why not? A pure decision, so it is tested
// alone (test/electron/start.test.ts); scripts/start.mjs gathers the facts and acts on the answer.

export const HEADLESS_COMMAND = 'npm run headless';

/**
 * @param {{
 *   platform: NodeJS.Platform,
 *   env: Record<string, string | undefined>,
 *   electronBinary: string | null,
 *   installError: string | null,
 * }} facts
 * @returns {{ mode: 'electron', binary: string } | { mode: 'headless', reason: string }}
 */
export function planLaunch({ platform, env, electronBinary, installError }) {
  if (electronBinary === null) {
    const why = installError ? ` (${installError})` : '';
    return {
      mode: 'headless',
      reason:
        `The Electron runtime is not installed${why}: run \`node node_modules/electron/install.js\` on a network that reaches GitHub ` +
        '(or set ELECTRON_MIRROR to a mirror you can reach) and `npm start` again; ' +
        'starting the headless mode instead, so open the UI at the address below.',
    };
  }
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return {
      mode: 'headless',
      reason:
        'No graphical display was found (DISPLAY and WAYLAND_DISPLAY are unset), so the desktop window cannot open: ' +
        'starting the headless mode instead, so open the UI at the address below (or run `xvfb-run npm start` to try the window on a virtual display).',
    };
  }
  return { mode: 'electron', binary: electronBinary };
}

/** The environment for Electron: ELECTRON_RUN_AS_NODE would make it a plain Node and not open the app. */
export function electronEnv(env) {
  const { ELECTRON_RUN_AS_NODE: _ignored, ...rest } = env;
  return rest;
}

/**
 * Where Electron's installer downloads from: the mirror the environment names, in the order
 * @electron/get reads them (.npmrc's first, ELECTRON_MIRROR last), else GitHub. Printed, so a
 * user name and password in the URL are left out.
 */
export function downloadSource(env) {
  const mirror = env.npm_config_electron_mirror || env.NPM_CONFIG_ELECTRON_MIRROR || env.ELECTRON_MIRROR;
  if (!mirror) return 'GitHub';
  try {
    const url = new URL(mirror);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return 'the mirror set in ELECTRON_MIRROR';
  }
}

/** Why the install failed, in a few words: the first error line of its output, shortened. */
export function summariseInstallError(output, timedOut, from = 'GitHub') {
  if (timedOut) return `its download from ${from} did not finish within 3 min`;
  const lines = String(output)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('at '));
  const line = lines.find((l) => /error/i.test(l)) ?? lines.at(-1) ?? 'no output';
  return `its download from ${from} failed: ${line.length > 160 ? `${line.slice(0, 157)}…` : line}`;
}

/**
 * The headless CLI's options, by whether they take a value (server/cli/args.ts ALL_CLI_OPTIONS; a test
 * keeps the two in step). It takes the desktop's own too: --user-data-dir (its settings go there) and
 * --hidden (said to be ignored: there is no window to hide). Anything else on the desktop command
 * line (Chromium switches such as --no-sandbox) means nothing to it: headlessArgs leaves it out, and
 * ignoredInHeadless names it, so the fallback says what it ignores.
 */
export const HEADLESS_OPTIONS = {
  withValue: [
    'port',
    'host',
    'api-key',
    'profile',
    'request-timeout',
    'tunnel',
    'ngrok-domain',
    'allow-cidr',
    'ui-port',
    'settings',
    'user-data-dir',
    'upstream',
    'prometheus-url',
    'prometheus-bearer-token',
    'prometheus-user',
    'prometheus-password',
    'prometheus-allow-url',
    'prometheus-headers',
    'prometheus-secret-headers',
    'prometheus-timeout',
    'prometheus-bearer-token-file',
    'prometheus-password-file',
    'prometheus-secret-headers-file',
  ],
  flags: ['json', 'hidden', 'help'],
};

/** Splits the desktop command line into what the headless CLI understands and what it ignores. */
function splitArgs(args) {
  const kept = [];
  const ignored = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const name = arg.replace(/^--/, '').split('=')[0];
    if (arg === '-h' || (arg.startsWith('--') && HEADLESS_OPTIONS.flags.includes(name))) {
      kept.push(arg);
    } else if (arg.startsWith('--') && HEADLESS_OPTIONS.withValue.includes(name)) {
      kept.push(arg);
      if (!arg.includes('=') && i + 1 < args.length) kept.push(args[++i]);
    } else {
      ignored.push(arg);
    }
  }
  return { kept, ignored };
}

/** The desktop command line, cut to what the headless CLI understands. */
export function headlessArgs(args) {
  return splitArgs(args).kept;
}

/** What the headless CLI does not understand on the desktop command line (a Chromium switch…), as given. */
export function ignoredInHeadless(args) {
  return splitArgs(args).ignored;
}
