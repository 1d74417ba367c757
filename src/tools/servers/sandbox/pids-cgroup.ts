import { randomBytes } from 'node:crypto';
import { access, mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A per-run pids cgroup: caps the number of tasks (processes + threads) of one run and lets us kill every
 * process of the run, even ones that left the process group.
 *
 * Why not just RLIMIT_NPROC: the kernel never enforces it for uid 0, and sandboxes often run as root in
 * containers; a fork bomb would then take the host down. Where cgroupfs is writable (root, or a delegated
 * subtree) this is the reliable limit; elsewhere the caller falls back to RLIMIT_NPROC.
 */
export interface RunCgroup {
  /** Write a pid here to move that process (and its future children) into the cgroup. */
  readonly procsFile: string;
  /** SIGKILLs every process in the cgroup, until it is empty or ~2 s passed. */
  killAll(): Promise<void>;
  /** Kills what is left and removes the cgroup directory. Never throws. */
  dispose(): Promise<void>;
}

export class PidsCgroupFactory {
  private seq = 0;

  private constructor(private readonly baseDir: string) {}

  /**
   * Finds a pids cgroup (v1 `pids` hierarchy or v2 with the pids controller delegated) under this process's
   * own cgroup where we may create children. Resolves undefined when there is none; never throws.
   */
  static async detect(): Promise<PidsCgroupFactory | undefined> {
    for (const base of await candidateDirs()) {
      const factory = new PidsCgroupFactory(base);
      try {
        const probe = await factory.create(8);
        await probe.dispose();
        return factory;
      } catch {
        // Not writable or no pids controller here; try the next hierarchy.
      }
    }
    return undefined;
  }

  /** Creates a fresh cgroup limited to `maxTasks`. Throws when the hierarchy refuses. */
  async create(maxTasks: number): Promise<RunCgroup> {
    const dir = join(this.baseDir, `firebreak-sandbox-${process.pid}-${++this.seq}-${randomBytes(3).toString('hex')}`);
    await mkdir(dir);
    try {
      await writeFile(join(dir, 'pids.max'), String(maxTasks));
    } catch (err) {
      await rmdir(dir).catch(() => undefined);
      throw err;
    }
    return new PidsCgroup(dir);
  }
}

class PidsCgroup implements RunCgroup {
  readonly procsFile: string;

  constructor(private readonly dir: string) {
    this.procsFile = join(dir, 'cgroup.procs');
  }

  async killAll(): Promise<void> {
    // cgroup v2 can kill the whole cgroup atomically; v1 needs a loop because a fork bomb keeps forking
    // between our read of cgroup.procs and the kills.
    await writeFile(join(this.dir, 'cgroup.kill'), '1').catch(() => undefined);
    const deadline = Date.now() + 2_000;
    for (;;) {
      const pids = await this.pids();
      if (pids.length === 0 || Date.now() > deadline) return;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }
      await sleep(20);
    }
  }

  async dispose(): Promise<void> {
    await this.killAll();
    // rmdir fails with EBUSY until killed tasks are reaped; that is quick, but not synchronous.
    for (let attempt = 0; attempt < 50; attempt++) {
      try {
        await rmdir(this.dir);
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
        await sleep(20);
      }
    }
  }

  private async pids(): Promise<number[]> {
    const text = await readFile(this.procsFile, 'utf8').catch(() => '');
    return text.split('\n').filter(Boolean).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  }
}

interface MountInfo {
  root: string;
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** Directories of this process's own pids cgroup, v1 first (it needs no delegation), then v2. */
async function candidateDirs(): Promise<string[]> {
  let cgroupText: string;
  let mountText: string;
  try {
    [cgroupText, mountText] = await Promise.all([readFile('/proc/self/cgroup', 'utf8'), readFile('/proc/self/mountinfo', 'utf8')]);
  } catch {
    return [];
  }
  const mounts = mountText.split('\n').filter(Boolean).map(parseMountInfo).filter((m): m is MountInfo => m !== undefined);
  const dirs: string[] = [];
  for (const line of cgroupText.split('\n').filter(Boolean)) {
    // "hierarchy-id:controller-list:path"; the path itself may contain ':'.
    const [, controllers = '', ...rest] = line.split(':');
    const path = rest.join(':');
    const isV1Pids = controllers.split(',').includes('pids');
    const mount = isV1Pids
      ? mounts.find((m) => m.fsType === 'cgroup' && m.superOptions.includes('pids'))
      : controllers === ''
        ? mounts.find((m) => m.fsType === 'cgroup2')
        : undefined;
    if (!mount) continue;
    const relative = mount.root !== '/' && path.startsWith(mount.root) ? path.slice(mount.root.length) : path;
    const dir = join(mount.mountPoint, relative);
    if (await access(dir).then(() => true, () => false)) {
      if (isV1Pids) dirs.unshift(dir);
      else dirs.push(dir);
    }
  }
  return dirs;
}

function parseMountInfo(line: string): MountInfo | undefined {
  const fields = line.split(' ');
  const dash = fields.indexOf('-');
  const root = fields[3];
  const mountPoint = fields[4];
  const fsType = fields[dash + 1];
  if (dash < 0 || !root || !mountPoint || !fsType) return undefined;
  return { root: unescapeMount(root), mountPoint: unescapeMount(mountPoint), fsType, superOptions: (fields[dash + 3] ?? '').split(',') };
}

/** mountinfo escapes spaces, tabs, newlines and backslashes as octal `\NNN`. */
function unescapeMount(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
