// A real, tiny disk for tests of what a full disk does: a 64 KiB tmpfs mounted on a fresh folder.
// Only on Linux as root (mount needs it); elsewhere the test is skipped with the reason, and the
// tests cover ENOSPC through injected file-system calls instead.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** Mounts the tiny disk (unmounted after the test) and returns its folder; or skips `t` and returns null. */
export async function tinyDisk(t: TestContext): Promise<string | null> {
  if (process.platform !== 'linux') {
    t.skip(`a real full disk needs a Linux tmpfs mount; this is ${process.platform}`);
    return null;
  }
  if (process.getuid?.() !== 0) {
    t.skip('a real full disk needs mounting a tmpfs, which needs root; the injected ENOSPC test covers it');
    return null;
  }
  const folder = await mkdtemp(join(tmpdir(), 'mirror-full-disk-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', folder], {
    encoding: 'utf8',
  });
  if (mounted.status !== 0) {
    await rm(folder, { recursive: true, force: true });
    const why = (mounted.error?.message ?? mounted.stderr).trim();
    t.skip(`could not mount a tmpfs here (${why}); the injected ENOSPC test covers it`);
    return null;
  }
  t.after(async () => {
    spawnSync('umount', [folder]);
    await rm(folder, { recursive: true, force: true });
  });
  return folder;
}

/** Fills the disk under `folder` (with a file named "filler") until the system says ENOSPC. */
export async function fillUp(folder: string): Promise<void> {
  try {
    await writeFile(join(folder, 'filler'), Buffer.alloc(1024 * 1024));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') return;
    throw error;
  }
  assert.fail('the tiny disk took 1 MiB: it is not full');
}
