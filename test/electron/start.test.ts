import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  downloadSource,
  electronEnv,
  HEADLESS_OPTIONS,
  headlessArgs,
  ignoredInHeadless,
  planLaunch,
  summariseInstallError,
} from '../../scripts/launch-plan.mjs';
import { ALL_CLI_OPTIONS } from '../../server/cli/args';
import { watchOutput } from '../fixtures/child-output';

const BINARY = '/work/app/node_modules/electron/dist/electron';

describe('can npm start run Electron here?', () => {
  test('binary present and a display: Electron', () => {
    assert.deepEqual(
      planLaunch({ platform: 'linux', env: { DISPLAY: ':0' }, electronBinary: BINARY, installError: null }),
      { mode: 'electron', binary: BINARY },
    );
    assert.deepEqual(
      planLaunch({
        platform: 'linux',
        env: { WAYLAND_DISPLAY: 'wayland-0' },
        electronBinary: BINARY,
        installError: null,
      }),
      { mode: 'electron', binary: BINARY },
    );
  });

  test('macOS and Windows need no DISPLAY', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      assert.equal(
        planLaunch({ platform, env: {}, electronBinary: BINARY, installError: null }).mode,
        'electron',
      );
    }
  });

  test('binary absent (download failed): headless, with one sentence that says what to do', () => {
    const plan = planLaunch({
      platform: 'linux',
      env: { DISPLAY: ':0' },
      electronBinary: null,
      installError: 'its download from GitHub failed: RequestError: getaddrinfo ENOTFOUND github.com',
    });
    assert.equal(plan.mode, 'headless');
    assert.ok(plan.mode === 'headless');
    assert.equal(
      plan.reason,
      'The Electron runtime is not installed (its download from GitHub failed: RequestError: getaddrinfo ENOTFOUND github.com): ' +
        'run `node node_modules/electron/install.js` on a network that reaches GitHub (or set ELECTRON_MIRROR to a mirror you can reach) ' +
        'and `npm start` again; starting the headless mode instead, so open the UI at the address below.',
    );
    assert.ok(!plan.reason.includes('\n'), 'one line');
    assert.equal(plan.reason.split('. ').length, 1, 'one sentence');
  });

  test('binary absent on any platform: headless', () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const plan = planLaunch({ platform, env: { DISPLAY: ':0' }, electronBinary: null, installError: null });
      assert.equal(plan.mode, 'headless');
      assert.ok(
        plan.mode === 'headless' && plan.reason.startsWith('The Electron runtime is not installed: run'),
      );
    }
  });

  test('no DISPLAY on Linux: headless, saying so and offering xvfb-run', () => {
    const plan = planLaunch({ platform: 'linux', env: {}, electronBinary: BINARY, installError: null });
    assert.ok(plan.mode === 'headless');
    assert.match(plan.reason, /^No graphical display was found \(DISPLAY and WAYLAND_DISPLAY are unset\)/);
    assert.match(plan.reason, /starting the headless mode instead/);
    assert.match(plan.reason, /xvfb-run npm start/);
    assert.ok(!plan.reason.includes('\n'));
  });

  test('install failures are summed up in a few words', () => {
    const output = [
      'RequestError: getaddrinfo ENOTFOUND github.com',
      '    at ClientRequest.<anonymous> (/x/node_modules/got/dist/source/core/index.js:970:111)',
    ].join('\n');
    assert.equal(
      summariseInstallError(output, false),
      'its download from GitHub failed: RequestError: getaddrinfo ENOTFOUND github.com',
    );
    assert.equal(summariseInstallError('', true), 'its download from GitHub did not finish within 3 min');
    // A mirror the user set is named, not GitHub: the message must say where the download went.
    const mirror = downloadSource({ ELECTRON_MIRROR: 'https://mirror.example/electron/' });
    assert.equal(
      summariseInstallError('Error: connect ECONNREFUSED', false, mirror),
      'its download from https://mirror.example/electron/ failed: Error: connect ECONNREFUSED',
    );
    assert.equal(downloadSource({}), 'GitHub');
    // .npmrc's mirror wins over the environment's, as @electron/get reads them; credentials never print.
    assert.equal(
      downloadSource({
        npm_config_electron_mirror: 'https://ci:tok-SECRET@artifactory.example/electron/',
        ELECTRON_MIRROR: 'https://other.example/',
      }),
      'https://artifactory.example/electron/',
    );
  });

  test('Electron never inherits ELECTRON_RUN_AS_NODE (it would start as plain Node)', () => {
    assert.deepEqual(electronEnv({ ELECTRON_RUN_AS_NODE: '1', PATH: '/bin' }), { PATH: '/bin' });
  });

  test('desktop-only options are not passed to the headless CLI', () => {
    assert.deepEqual(
      headlessArgs(['--hidden', '--tunnel', 'none', '--user-data-dir', '/tmp/x', '--port=0']),
      ['--hidden', '--tunnel', 'none', '--user-data-dir', '/tmp/x', '--port=0'],
    );
    assert.deepEqual(headlessArgs(['--user-data-dir=/tmp/x', '--json']), [
      '--user-data-dir=/tmp/x',
      '--json',
    ]);
    // Chromium switches (the usual workaround for a sandbox crash) mean nothing to the headless mode.
    assert.deepEqual(
      headlessArgs(['--no-sandbox', '--ozone-platform=x11', '--allow-cidr', '10.0.0.0/8', '-h']),
      ['--allow-cidr', '10.0.0.0/8', '-h'],
    );
    assert.deepEqual(ignoredInHeadless(['--no-sandbox', '--port', '0', '--ozone-platform=x11']), [
      '--no-sandbox',
      '--ozone-platform=x11',
    ]);
  });

  test('the copy of the headless options matches the CLI', () => {
    const fromCli = Object.entries(ALL_CLI_OPTIONS);
    assert.deepEqual(
      [...HEADLESS_OPTIONS.withValue].sort(),
      fromCli
        .filter(([, o]) => o.type === 'string')
        .map(([name]) => name)
        .sort(),
    );
    assert.deepEqual(
      [...HEADLESS_OPTIONS.flags].sort(),
      fromCli
        .filter(([, o]) => o.type === 'boolean')
        .map(([name]) => name)
        .sort(),
    );
  });
});

describe('npm start where Electron cannot run (this machine: no binary)', () => {
  test('prints the one sentence, then runs the headless mode with the same arguments', async (t) => {
    const folder = await mkdtemp(join(tmpdir(), 'mirror-start-'));
    t.after(() => rm(folder, { recursive: true, force: true }));
    const child = spawn(
      process.execPath,
      [
        'scripts/start.mjs',
        '--tunnel',
        'none',
        '--port',
        '0',
        '--hidden',
        '--settings',
        join(folder, 'settings.json'),
      ],
      {
        env: {
          ...process.env,
          MIRROR_TRAY_SKIP_BUILD: '1',
          // Whatever this machine has, act as if the binary were missing and not downloadable.
          ELECTRON_OVERRIDE_DIST_PATH: join(folder, 'no-electron-here'),
          ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const output = watchOutput(child);
    await output.waitFor(
      /Window \(UI and request inspector\): http:\/\/127\.0\.0\.1:\d+\//,
      30_000,
      'no UI address',
    );
    child.kill('SIGINT');
    const code = await output.exited;
    const { stdout, stderr } = output;
    assert.equal(
      stderr.trim().split('\n')[0],
      'The Electron runtime is not installed (ELECTRON_SKIP_BINARY_DOWNLOAD is set, so no download was tried): ' +
        'run `node node_modules/electron/install.js` on a network that reaches GitHub (or set ELECTRON_MIRROR to a mirror you can reach) ' +
        'and `npm start` again; starting the headless mode instead, so open the UI at the address below.',
    );
    assert.match(stdout, /Api Key {18}\S+/);
    assert.match(stdout, /Stopped\. Nothing is listening any more\./);
    assert.equal(code, 0);
  });
});

describe('npm start with Electron: one signal reaches it', () => {
  // A stand-in for the Electron binary (a Node script named `electron`, found through
  // ELECTRON_OVERRIDE_DIST_PATH as electron's index.js allows): it writes down every signal it gets
  // and leaves 500 ms after the first, as Electron quitting would. Chromium dies at once on a second.
  const FAKE_ELECTRON = [
    '#!/usr/bin/env node',
    "const { appendFileSync, writeFileSync } = require('node:fs');",
    'const file = process.env.FAKE_ELECTRON_SIGNALS;',
    "for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {",
    '  process.on(signal, () => {',
    '    appendFileSync(file, signal + "\\n");',
    '    setTimeout(() => process.exit(0), 500);',
    '  });',
    '}',
    "writeFileSync(file, '');",
    'setInterval(() => undefined, 60_000);',
  ].join('\n');

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`${signal} to the whole process group (terminal, service manager) reaches Electron once`, {
      skip: process.platform === 'win32' ? 'process groups are POSIX' : false,
    }, async (t) => {
      const folder = await mkdtemp(join(tmpdir(), 'mirror-start-signal-'));
      t.after(() => rm(folder, { recursive: true, force: true }));
      const binary = join(folder, 'electron');
      await writeFile(binary, FAKE_ELECTRON, { mode: 0o755 });
      const signals = join(folder, 'signals');
      const child = spawn(process.execPath, ['scripts/start.mjs', '--tunnel', 'none'], {
        env: {
          ...process.env,
          MIRROR_TRAY_SKIP_BUILD: '1',
          ELECTRON_OVERRIDE_DIST_PATH: folder,
          FAKE_ELECTRON_SIGNALS: signals,
          DISPLAY: ':99',
        },
        // Its own group, as a terminal's foreground job is: the test signals the group.
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += chunk;
      });
      child.stderr.on('data', (chunk) => {
        output += chunk;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const deadline = Date.now() + 10_000;
      while (!existsSync(signals)) {
        if (Date.now() > deadline) assert.fail(`the stand-in Electron did not start:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      process.kill(-child.pid!, signal);
      assert.equal(await exited, 0, output);
      assert.deepEqual(
        (await readFile(signals, 'utf8')).split('\n').filter(Boolean),
        [signal],
        'Electron got the signal more than once (a second one kills it at once)',
      );
    });
  }
});
