// What electron-builder.yml asks of the packaged app, checked against electron-builder 26's own
// code where it can run here: the RunAsNode fuse the ngrok child needs, the macOS tray app's
// LSUIElement, and the AppImage's AppRun, which adds --no-sandbox where user namespaces are
// restricted (Ubuntu 24.04 and later).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as {
  electronFuses?: { runAsNode?: boolean };
  mac: { extendInfo?: Record<string, unknown> };
  toolsets?: { appimage?: string };
  appImage: { executableArgs?: string[] };
};

describe('electron-builder.yml', () => {
  test('pins the RunAsNode fuse on: the ngrok child is forked on Electron’s binary with ELECTRON_RUN_AS_NODE', () => {
    assert.equal(
      config.electronFuses?.runAsNode,
      true,
      'electronFuses.runAsNode must be true: with it off, Electron ignores ELECTRON_RUN_AS_NODE, so child_process.fork starts Electron as an app instead of Node running the ngrok child, and the tunnel never opens',
    );
    // The fork the fuse is for (the desktop runs the child on its own binary).
    const launcher = readFileSync(join(ROOT, 'server/tunnel/ngrok-child-process.ts'), 'utf8');
    assert.match(launcher, /\bfork\(/, 'the ngrok child is still started with child_process.fork');
  });

  test('macOS: LSUIElement, so a --hidden start never shows a Dock icon (the app adds one with its window)', () => {
    assert.equal(config.mac.extendInfo?.LSUIElement, true);
  });
});

describe("electron-builder 26's AppImage AppRun (app-builder-lib appImageUtil.js, generateAppRunScript)", () => {
  const work = mkdtempSync(join(tmpdir(), 'mirror-apprun-'));
  after(() => rmSync(work, { recursive: true, force: true }));
  const { generateAppRunScript } = require('app-builder-lib/out/targets/appimage/appImageUtil') as {
    generateAppRunScript(config: Record<string, string>): string;
  };

  /** Runs the real AppRun with `unshare` answering `unshareExit`; returns the arguments the app got. */
  function appRunArgs(unshareExit: number, args: string[]): string[] {
    const appDir = mkdtempSync(join(work, 'AppDir-'));
    writeFileSync(
      join(appDir, 'AppRun'),
      generateAppRunScript({
        ExecutableName: 'stackstate-mirror-tray',
        DesktopFileName: 'stackstate-mirror-tray.desktop',
        ProductFilename: 'StackState Mirror Tray',
        ProductName: 'StackState Mirror Tray',
        ResourceName: 'appimagekit-stackstate-mirror-tray',
      }),
    );
    // AppRun puts $APPDIR first on PATH before it tries `unshare -Ur true`: a stand-in answers there.
    writeFileSync(join(appDir, 'unshare'), `#!/bin/sh\nexit ${unshareExit}\n`);
    writeFileSync(join(appDir, 'stackstate-mirror-tray'), '#!/bin/sh\nfor a in "$@"; do echo "$a"; done\n');
    for (const file of ['AppRun', 'unshare', 'stackstate-mirror-tray']) chmodSync(join(appDir, file), 0o755);
    const run = spawnSync('bash', [join(appDir, 'AppRun'), ...args], {
      encoding: 'utf8',
      env: { ...process.env, APPDIR: appDir },
    });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.split('\n').filter(Boolean);
  }

  test('adds --no-sandbox where user namespaces are restricted (unshare -Ur fails), as on Ubuntu 24.04', () => {
    assert.deepEqual(appRunArgs(1, ['--hidden']), ['--no-sandbox', '--hidden']);
  });

  test('adds nothing where user namespaces work', () => {
    assert.deepEqual(appRunArgs(0, ['--hidden']), ['--hidden']);
  });

  test("and the AppImage's .desktop entry always passes --no-sandbox (legacy toolset, no executableArgs)", () => {
    // AppImageTarget.js: defaultArgs = ["--no-sandbox"] when toolsets.appimage is unset or "0.0.0".
    assert.ok(config.toolsets?.appimage === undefined || config.toolsets.appimage === '0.0.0');
    assert.equal(config.appImage.executableArgs, undefined);
    const target = readFileSync(
      require.resolve('app-builder-lib/out/targets/appimage/AppImageTarget.js'),
      'utf8',
    );
    assert.match(target, /appimageTool == null \|\| appimageTool === "0\.0\.0" \? \["--no-sandbox"\] : \[\]/);
  });
});
