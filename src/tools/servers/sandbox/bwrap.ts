import { lstat, readlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { baseEnv, type IsolationBackend, type Launch, type LaunchRequest } from './isolation.js';
import { rlimitPrefix, type RlimitTool } from './limits.js';
import { safePath } from './host-tools.js';
import { PRIVILEGE_DROP_CAPS, privilegeDropPrefix, type RunAs } from './privileges.js';
import { isUnder, SYSTEM_ROOTS, type SandboxNode } from './sandbox-node.js';

/** Where the workspace appears inside the sandbox. A fixed path, so its parent is the read-only root. */
export const SANDBOX_WORKSPACE = '/workspace';
/** Where run_code's file appears inside the sandbox (read-only). */
export const SANDBOX_CODE_DIR = '/code';

/** The few /etc entries programs need (dynamic linker, users, time zone, localhost, CA bundle). No secrets:
 *  /etc/shadow, ssh keys and the like are simply not there. */
const ETC_FILES = [
  '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives', '/etc/localtime',
  '/etc/nsswitch.conf', '/etc/passwd', '/etc/group', '/etc/hosts', '/etc/ssl', '/etc/ca-certificates',
];

/**
 * Read-only mount arguments for the host system: system roots (kept as symlinks where the host has
 * symlinks; on merged-/usr hosts most are), a few /etc files, firebreak's Node (at `node.execPath`, see
 * sandbox-node.ts) and the extra paths the operator asked for, at their own path.
 */
export async function systemMounts(readOnlyPaths: readonly string[], node: SandboxNode): Promise<string[]> {
  const args: string[] = [];
  for (const root of SYSTEM_ROOTS) {
    const st = await lstat(root).catch(() => undefined);
    if (!st) continue;
    if (st.isSymbolicLink()) args.push('--symlink', await readlink(root), root);
    else if (st.isDirectory()) args.push('--ro-bind', root, root);
  }
  for (const file of ETC_FILES) args.push('--ro-bind-try', file, file);
  args.push(...node.mounts);
  for (const path of new Set(readOnlyPaths)) args.push('--ro-bind', path, path);
  return [...parentDirArgs(mountDestinations(args), '/'), ...args];
}

/**
 * `--isolation bwrap`: each run in fresh namespaces (no network, own pids/ipc/uts, own /proc), with the
 * host system read-only, the workspace the only writable host path, a private /tmp, no capabilities and
 * an empty environment. Never as uid 0: when firebreak is root, bwrap does its setup as root without a
 * user namespace and the run drops to `runAs` through setpriv (privileges.ts); otherwise bwrap runs
 * unprivileged in a user namespace with firebreak's own uid.
 */
export class BwrapBackend implements IsolationBackend {
  readonly kind = 'bwrap' as const;
  readonly workspacePath = SANDBOX_WORKSPACE;
  readonly warning = undefined;

  constructor(
    private readonly bwrapPath: string,
    /** Host realpath of the workspace. */
    private readonly hostWorkspace: string,
    private readonly mounts: readonly string[],
    /** The Node binary as runs see it (sandbox-node.ts): run_code's interpreter, first `node` on PATH. */
    readonly nodePath: string,
    private readonly rlimits: RlimitTool,
    /** Set when firebreak is root: the uid/gid runs drop to. */
    readonly runAs: RunAs | undefined,
    /** A pids cgroup caps every run; then RLIMIT_NPROC is left alone where it would count host-wide. */
    private readonly pidsCgroup: boolean,
  ) {}

  codeDir(): string {
    return SANDBOX_CODE_DIR;
  }

  launch(req: LaunchRequest): Launch {
    const env = baseEnv(safePath(dirname(this.nodePath)), '/tmp');
    const runAs = this.runAs;
    const args = [
      // user (only when not root: see privileges.ts), ipc, pid, net, uts, cgroup: no network at all, not
      // even the host's loopback.
      ...(runAs ? ['--unshare-ipc', '--unshare-pid', '--unshare-net', '--unshare-uts', '--unshare-cgroup-try'] : ['--unshare-all']),
      '--die-with-parent', // killing bwrap (time limit) kills the whole sandbox
      '--new-session', // no TIOCSTI on a terminal we might share
      '--cap-drop', 'ALL',
      ...(runAs ? PRIVILEGE_DROP_CAPS.flatMap((cap) => ['--cap-add', cap]) : []),
      '--hostname', 'sandbox',
      ...this.mounts,
      '--proc', '/proc',
      // Runs are never uid 0, so sysctls (checked by uid) are not writable anyway; read-only as well, belt
      // and braces, together with the sysrq trigger.
      '--ro-bind', '/proc/sys', '/proc/sys',
      '--ro-bind-try', '/proc/sysrq-trigger', '/proc/sysrq-trigger',
      '--dev', '/dev',
      // A tmpfs bwrap mounts as root belongs to root: give a dropped run its own directories instead.
      ...(runAs
        ? ['--bind', join(req.runDir, 'tmp'), '/tmp', '--bind', join(req.runDir, 'shm'), '/dev/shm']
        : ['--tmpfs', '/tmp']),
      // A read-only path under /tmp (Node unpacked there, say) is hidden by the private /tmp: bind it again on top.
      ...readOnlyBindsUnder(this.mounts, '/tmp'),
      '--bind', this.hostWorkspace, SANDBOX_WORKSPACE,
      '--ro-bind', join(req.runDir, 'code'), SANDBOX_CODE_DIR,
      '--remount-ro', '/', // the sandbox root itself: writing to /foo or /workspace/../foo fails with EROFS
      '--chdir', join(SANDBOX_WORKSPACE, req.cwd),
      '--clearenv',
      ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]),
      '--',
      ...(runAs ? privilegeDropPrefix(runAs) : []),
      // RLIMIT_NPROC counts the processes of the run's uid: per run inside bwrap's user namespace, but host
      // wide (every concurrent run) for a dropped uid, so there it is only the fallback for a missing cgroup.
      ...rlimitPrefix(this.rlimits, req.limits, { processes: !(runAs && this.pidsCgroup) }),
      ...req.argv,
    ];
    // bwrap itself gets the same clean env: the sandbox's pid 1 is bwrap, and /proc/1/environ is readable.
    return { argv: [this.bwrapPath, ...args], cwd: '/', env };
  }
}

/** The `--ro-bind SRC DEST` triples of `mounts` whose destination is under `root`, as arguments again
 *  (with the `--dir`s their parents need inside `root`). */
function readOnlyBindsUnder(mounts: readonly string[], root: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 < mounts.length; i++) {
    if (mounts[i] === '--ro-bind' && isUnder(mounts[i + 2]!, root)) out.push('--ro-bind', mounts[i + 1]!, mounts[i + 2]!);
  }
  return out.length ? [...parentDirArgs(mountDestinations(out), root), ...out] : out;
}

/** Destinations of the `--ro-bind`/`--ro-bind-try`/`--symlink` triples in `args`. */
function mountDestinations(args: readonly string[]): string[] {
  const dests: string[] = [];
  for (let i = 0; i + 2 < args.length; i++) {
    if (args[i] === '--ro-bind' || args[i] === '--ro-bind-try' || args[i] === '--symlink') dests.push(args[i + 2]!);
  }
  return dests;
}

/**
 * `--dir` for every missing ancestor of `dests` strictly below `base`, parents first. bwrap creates
 * missing parents of a bind itself, but with mode 0700: a run that dropped to another uid could then not
 * reach /etc/ssl, its Node or a toolchain under /opt. `--dir` creates them 0755, whatever the umask.
 * Ancestors inside the system roots exist already (bound or symlinked, with the host's modes), so they
 * are left alone.
 */
function parentDirArgs(dests: readonly string[], base: string): string[] {
  const dirs = new Set<string>();
  for (const dest of dests) {
    for (let p = dirname(dest); p !== base && p !== '/'; p = dirname(p)) {
      if (!SYSTEM_ROOTS.some((root) => isUnder(p, root))) dirs.add(p);
    }
  }
  return [...dirs].sort((a, b) => a.length - b.length).flatMap((dir) => ['--dir', dir]);
}

