// PACKAGING SMOKE TEST (about 10-30 s; allowed 4 min): `electron-builder --dir` for Linux with the
// real electron-builder.yml, on a STAND-IN electronDist (a folder holding a dummy `electron`
// executable: the real Electron binary cannot be downloaded here). It checks what ends up in the
// package: the main entry and the built UI inside app.asar, the ngrok native module unpacked beside
// it, every package the bundle imports present, and then runs the PACKAGED main process (extracted
// from the asar) under StandInElectron until it serves the UI and quits cleanly.
// electron-builder 26 runs on Node 20 here because dependency rebuilding is off (npmRebuild: false);
// its @electron/rebuild would want Node 22 (`npx -y -p node@22 electron-builder …`).
import assert from 'node:assert/strict';
import { fork, spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as typeof import('@electron/asar');
const { FuseV1Options, getCurrentFuseWire } = require('@electron/fuses') as typeof import('@electron/fuses');
/** @electron/fuses's marker before the fuse wire in an Electron binary (its constants.js, SENTINEL). */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** Electron 41's fuses as built: run_as_node 1, cookie_encryption 0, … (build/fuses/fuses.json5). */
const ELECTRON_41_FUSES = '101100011';
const ELECTRON_VERSION = (
  JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')) as {
    version: string;
  }
).version;
const WORK = mkdtempSync(join(tmpdir(), 'mirror-packaging-'));

/** The packages a bundle imports (bare specifiers, minus node: builtins and electron). */
function importedPackages(bundle: string): string[] {
  const specifiers = [...bundle.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*"([^"]+)"/g)].map(
    (m) => m[1]!,
  );
  const dynamic = [...bundle.matchAll(/import\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1]!);
  const names = [...specifiers, ...dynamic]
    .filter(
      (s) => !s.startsWith('.') && !s.startsWith('node:') && s !== 'electron' && !builtinModules.includes(s),
    )
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : s.split('/')[0]!));
  return [...new Set(names)].sort();
}

describe('packaging smoke test: electron-builder --dir (linux, stand-in electronDist)', {
  timeout: 240_000,
}, () => {
  after(() => rmSync(WORK, { recursive: true, force: true }));

  test('builds an app whose asar holds main.js and the UI, with the ngrok native module unpacked', async (t) => {
    // 1. Build what the package holds (the UI too, if npm test has not built it yet).
    const parts = existsSync(join(ROOT, 'dist/renderer/index.html')) ? ['--electron'] : [];
    const built = spawnSync(process.execPath, ['scripts/build.mjs', ...parts], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    assert.equal(built.status, 0, built.stderr);
    assert.ok(
      existsSync(join(ROOT, 'dist/renderer/index.html')),
      'the UI is built (renderer/index.html exists?)',
    );

    // 2. The stand-in Electron distribution: electron-builder copies the folder and renames `electron`.
    const electronDist = join(WORK, 'stand-in-electron-dist');
    mkdirSync(electronDist);
    // With Electron's fuse wire in it, as Electron 41 builds it (build/fuses/fuses.json5 at v41.7.1:
    // the sentinel, version 1, 9 fuses, each '1' on or '0' off), so electron-builder can flip the
    // fuses that electron-builder.yml sets, and this test can read them back.
    writeFileSync(
      join(electronDist, 'electron'),
      `#!/bin/sh\necho "stand-in for the Electron binary"\nexit 1\n# ${FUSE_SENTINEL}\x01\x09${ELECTRON_41_FUSES}\n`,
    );
    chmodSync(join(electronDist, 'electron'), 0o755);
    writeFileSync(join(electronDist, 'version'), ELECTRON_VERSION);

    const out = join(WORK, 'release');
    const started = performance.now();
    const result = spawnSync(
      process.execPath,
      [
        join(ROOT, 'node_modules/electron-builder/cli.js'),
        '--linux',
        'dir',
        '--config',
        'electron-builder.yml',
        `-c.electronDist=${electronDist}`,
        `-c.electronVersion=${ELECTRON_VERSION}`,
        `-c.directories.output=${out}`,
        '--publish',
        'never',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 200_000, env: { ...process.env, CI: 'true' } },
    );
    t.diagnostic(`electron-builder took ${Math.round(performance.now() - started)} ms`);
    assert.equal(result.status, 0, `electron-builder failed:\n${result.stdout}\n${result.stderr}`);

    // 3. What is in the package.
    const app = join(out, 'linux-unpacked');
    assert.ok(
      existsSync(join(app, 'stackstate-mirror-tray')),
      'the executable, named by linux.executableName',
    );
    // The fuses as flipped in the packaged binary: RunAsNode on, or the forked ngrok child never runs.
    const wire = await getCurrentFuseWire(join(app, 'stackstate-mirror-tray'));
    assert.equal(
      wire[FuseV1Options.RunAsNode],
      '1'.charCodeAt(0),
      'the RunAsNode fuse is off in the package: Electron would ignore ELECTRON_RUN_AS_NODE, and the forked ngrok child would never run',
    );
    const archive = join(app, 'resources', 'app.asar');
    const files = new Set(asar.listPackage(archive, { isPack: false }).map((f) => f.replaceAll('\\', '/')));
    for (const file of [
      '/package.json',
      '/dist/electron/main.js',
      '/dist/electron/ngrok-child.js',
      '/dist/electron/answer-parser-worker.js',
      '/dist/electron/assets/tray-online.png',
      '/dist/electron/assets/tray-onlineTemplate@2x.png',
      '/dist/electron/assets/icon.ico',
      '/dist/renderer/index.html',
    ]) {
      assert.ok(files.has(file), `app.asar holds ${file}`);
    }
    assert.ok(
      ![...files].some((f) => f.startsWith('/server/') || f.startsWith('/electron/')),
      'no sources packed',
    );
    assert.ok(!files.has('/node_modules/electron-builder'), 'no dev dependencies packed');
    const packedPackage = JSON.parse(asar.extractFile(archive, 'package.json').toString()) as {
      main: string;
    };
    assert.equal(packedPackage.main, 'dist/electron/main.js');

    const unpacked = join(app, 'resources', 'app.asar.unpacked', 'node_modules', '@ngrok');
    const natives = readdirSync(unpacked, { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.node'),
    );
    t.diagnostic(`unpacked native modules: ${natives.join(', ')}`);
    assert.ok(natives.length > 0, 'the ngrok .node file is in app.asar.unpacked/node_modules/@ngrok/');

    // 4. Every package the bundles import is in the package.
    const bundles = ['main.js', 'ngrok-child.js'].map((f) =>
      asar.extractFile(archive, join('dist', 'electron', f)).toString(),
    );
    const needed = [...new Set(bundles.flatMap(importedPackages))];
    t.diagnostic(`the bundles import: ${needed.join(', ')}`);
    assert.ok(needed.includes('@ngrok/ngrok') && needed.includes('electron-store'));
    for (const name of needed) assert.ok(files.has(`/node_modules/${name}/package.json`), `packed: ${name}`);

    // 5. The packaged code runs: extract the asar (unpacked files included), load the native module,
    //    and start the packaged main process under StandInElectron until it serves the UI, then quit.
    const extracted = join(WORK, 'extracted');
    asar.extractAll(archive, extracted);
    const ngrokLoads = spawnSync(
      process.execPath,
      ['--input-type=module', '-e', `const m = await import('@ngrok/ngrok'); console.log(typeof m.forward);`],
      { cwd: extracted, encoding: 'utf8' },
    );
    assert.equal(
      ngrokLoads.stdout.trim(),
      'function',
      `the packaged @ngrok/ngrok loads: ${ngrokLoads.stderr}`,
    );

    const child = fork(
      join(extracted, 'dist/electron/main.js'),
      ['--tunnel', 'none', '--port', '0', '--user-data-dir', join(WORK, 'user-data')],
      {
        execArgv: [
          '--import',
          pathToFileURL(join(ROOT, 'test/electron/stand-in-electron/register.mjs')).href,
        ],
        env: { ...process.env, MIRROR_TRAY_E2E: '1' },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    let output = '';
    child.stdout?.on('data', (c) => {
      output += c;
    });
    child.stderr?.on('data', (c) => {
      output += c;
    });
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const ask = (command: string) =>
      new Promise<{ window: { loaded: { status: number; body: string } | null } | null } | null>((r) => {
        const id = Math.random();
        const onMessage = (m: { type: string; id: number; value: never }) => {
          if (m.type === 'reply' && m.id === id) {
            child.off('message', onMessage);
            r(m.value);
          }
        };
        child.on('message', onMessage);
        child.send({ command, id });
      });
    const deadline = Date.now() + 20_000;
    for (;;) {
      const snapshot = await ask('snapshot');
      if (snapshot?.window?.loaded) {
        assert.equal(snapshot.window.loaded.status, 200);
        assert.match(snapshot.window.loaded.body, /<html/i);
        break;
      }
      if (Date.now() > deadline || child.exitCode !== null)
        assert.fail(`the packaged app did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    child.send({ command: 'quit', id: 0 });
    assert.equal(await exited, 0, output);
  });
});
