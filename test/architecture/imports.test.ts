// The house has one direction: every import in server/ runs down the layers below, never up or
// sideways into a folder that imports it back. The protocol is the ground floor (ARCHITECTURE.md).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, it } from 'node:test';

/** Bottom to top. A module may import its own folder and any folder on a lower floor. */
const FLOORS: readonly (readonly string[])[] = [
  ['server/version', 'server/child-env'],
  ['server/clip', 'server/pretty-json', 'server/ports', 'server/request-timeouts', 'server/port-holder'],
  ['server/protocol'],
  ['server/telemetry', 'server/tunnel'],
  ['server/settings', 'server/mirror', 'server/check', 'server/contract'],
  ['server/session'],
  ['server/control'],
  ['server/runtime'],
  ['server/cli'],
];

const floorOf = (module: string): { room: string; floor: number } | undefined => {
  for (const [floor, rooms] of FLOORS.entries()) {
    const room = rooms.find((r) => module === r || module.startsWith(`${r}/`));
    if (room) return { room, floor };
  }
  return undefined;
};

const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? walk(path) : entry.name.endsWith('.ts') ? [path] : [];
  });

/** Every relative import (static, type-only, re-export or dynamic) of a file, as repo paths without extension. */
export function importsOf(file: string, source = readFileSync(file, 'utf8')): string[] {
  const specifiers = [...source.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"](\.{1,2}\/[^'"]+)['"]/g)];
  return specifiers.map((m) => normalize(join(dirname(file), m[1]!)).replace(/\.(ts|js)$/, ''));
}

/** The imports of `files` that run upward or sideways, as "importer → imported" lines. */
export function upwardImports(
  files: readonly string[],
  read = (f: string) => readFileSync(f, 'utf8'),
): string[] {
  const wrong: string[] = [];
  for (const file of files) {
    const from = floorOf(file.replace(/\.ts$/, ''));
    assert.ok(from, `${file} is on no floor of the house: add its folder to FLOORS`);
    for (const target of importsOf(file, read(file))) {
      if (!target.startsWith('server/')) continue;
      const to = floorOf(target);
      assert.ok(to, `${file} imports ${target}, which is on no floor`);
      if (to.room !== from.room && to.floor >= from.floor) wrong.push(`${file} → ${target}`);
    }
  }
  return wrong;
}

describe('the import direction in server/', () => {
  const files = walk('server').map((f) => relative('.', f));

  it('every import runs down: to its own folder or a lower floor', () => {
    assert.deepEqual(upwardImports(files), [], 'imports that run up or sideways');
  });

  it('telemetry never imports the mirror, and the protocol imports nothing above it', () => {
    const imports = files.flatMap((file) => importsOf(file).map((target) => ({ file, target })));
    const telemetryToMirror = imports.filter(
      ({ file, target }) => file.startsWith('server/telemetry/') && target.startsWith('server/mirror/'),
    );
    assert.deepEqual(telemetryToMirror, []);
    const protocolUp = imports.filter(
      ({ file, target }) =>
        file.startsWith('server/protocol/') &&
        target.startsWith('server/') &&
        floorOf(target)!.floor > floorOf('server/protocol')!.floor,
    );
    assert.deepEqual(protocolUp, []);
  });

  it('catches an upward import when one is written (the check itself)', () => {
    const planted = { 'server/telemetry/demo.ts': "import { x } from '../mirror/plugin';\n" };
    assert.deepEqual(
      upwardImports(Object.keys(planted), (f) => planted[f as keyof typeof planted]),
      ['server/telemetry/demo.ts → server/mirror/plugin'],
    );
  });
});
