// The README's install table names the files that electron-builder.yml makes: each target's
// artifactName expanded as electron-builder expands it (its macros, and builder-util's own
// architecture names: x64 is "amd64" in a deb), with <version> for the version.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { Arch, getArtifactArchName } = require('builder-util/out/arch') as {
  Arch: Record<string, number>;
  getArtifactArchName(arch: number, ext: string): string;
};

interface TargetEntry {
  target: string;
  arch?: string[];
}
interface BuilderConfig {
  mac: { target: TargetEntry[]; identity?: string | null; hardenedRuntime?: boolean };
  win: { target: TargetEntry[] };
  linux: { target: (string | TargetEntry)[] };
  [section: string]: unknown;
}

const config = yaml.load(readFileSync(join(ROOT, 'electron-builder.yml'), 'utf8')) as BuilderConfig;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  productName: string;
};
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const installSection = readme.slice(readme.indexOf('### Install'), readme.indexOf('### The tray'));

/** target name → its option section and file extension in electron-builder. */
const TARGETS: Record<string, { section: string; ext: string }> = {
  dmg: { section: 'dmg', ext: 'dmg' },
  nsis: { section: 'nsis', ext: 'exe' },
  AppImage: { section: 'appImage', ext: 'AppImage' },
  deb: { section: 'deb', ext: 'deb' },
};

function fileNames(): string[] {
  const entries = [...config.mac.target, ...config.win.target, ...config.linux.target].map((entry) =>
    typeof entry === 'string' ? { target: entry } : entry,
  );
  return entries.flatMap(({ target, arch }) => {
    const known = TARGETS[target];
    assert.ok(known, `a target this test does not know: ${target}`);
    const pattern = (config[known.section] as { artifactName?: string } | undefined)?.artifactName;
    assert.ok(pattern, `${known.section}.artifactName is set (else electron-builder picks the name)`);
    return (arch ?? ['x64']).map((archName) => {
      const macros: Record<string, string> = {
        productName: pkg.productName,
        name: pkg.name,
        version: '<version>',
        arch: getArtifactArchName(Arch[archName]!, known.ext),
        ext: known.ext,
      };
      return pattern.replace(/\$\{(\w+)\}/g, (_all, macro: string) => {
        assert.ok(macro in macros, `a macro this test does not know: ${macro}`);
        return macros[macro]!;
      });
    });
  });
}

test("the README's install table names every package file, each dmg with its architecture", () => {
  const names = fileNames();
  assert.ok(names.includes(`${pkg.productName}-<version>-x64.dmg`), names.join(', '));
  assert.ok(names.includes(`${pkg.productName}-<version>-arm64.dmg`), names.join(', '));
  for (const name of names)
    assert.ok(installSection.includes(`\`${name}\``), `the README's table lacks ${name}`);
});

test('macOS builds are signed ad hoc (Apple silicon runs no unsigned code), without the hardened runtime', () => {
  assert.equal(config.mac.identity, '-');
  assert.equal(
    config.mac.hardenedRuntime,
    false,
    'ad hoc + hardened runtime needs disable-library-validation',
  );
});

test('the README says the AppImage starts WITHOUT the sandbox on Ubuntu 24.04 and later, and sends those users to the deb', () => {
  // electron-builder 26's AppRun adds --no-sandbox where `unshare -Ur true` fails, and its .desktop
  // entry always passes it (test/electron/builder-config.test.ts runs that AppRun): the AppImage
  // starts there, without Chromium's sandbox; the deb's AppArmor profile keeps the sandbox on.
  assert.match(installSection, /Ubuntu 24\.04 and later[^|]*AppArmor/);
  const appImageRow = installSection.split('\n').find((line) => line.startsWith('| Linux (AppImage)')) ?? '';
  assert.doesNotMatch(appImageRow, /stops at start/, 'electron-builder 26 AppImages start on Ubuntu 24.04');
  assert.match(appImageRow, /Ubuntu 24\.04 and later[^|]*without Chromium's sandbox[^|]*`--no-sandbox`/);
  assert.match(appImageRow, /take the `\.deb`[^|]*keeps the sandbox on/i);
});
