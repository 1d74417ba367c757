import { chmod, chown, mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Ids } from './privileges.js';

export interface RunDirOptions {
  /** The run opens `code/` and `home/` at their host paths (`--isolation process`), not through binds. */
  hostPaths: boolean;
}

/**
 * Creates a run's private scratch directory (0700, owned by firebreak; remove it after the run):
 * `code/` holds run_code's file (read-only to the run), `home/` is HOME in process mode, and `tmp/` and
 * `shm/` become the run's /tmp and /dev/shm under bwrap when runs drop to `runAs` (owned by it, because a
 * tmpfs bwrap mounts as root would be root's; bind-mounting a directory works with every bwrap version).
 * A process-mode run that drops to `runAs` reaches it by host path: then the directory is 0711 (enter, not
 * list) and `home/` is the run's.
 */
export async function createRunDir(prefix: string, runAs: Ids | undefined, opts: RunDirOptions): Promise<string> {
  const runDir = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(runDir, 'code'));
  await chmod(join(runDir, 'code'), 0o755); // explicit: mkdir's mode is cut by the umask (077 on hardened hosts)
  await mkdir(join(runDir, 'home'), { mode: 0o700 });
  for (const dir of ['tmp', 'shm']) {
    await mkdir(join(runDir, dir), { mode: 0o700 });
    if (runAs) await chown(join(runDir, dir), runAs.uid, runAs.gid);
  }
  if (runAs && opts.hostPaths) {
    await chmod(runDir, 0o711);
    await chown(join(runDir, 'home'), runAs.uid, runAs.gid);
  }
  return runDir;
}
