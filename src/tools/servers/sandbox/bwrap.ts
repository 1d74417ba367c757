import { lstat, readlink, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { baseEnv, type IsolationBackend, type Launch, type LaunchRequest } from './isolation.js';
import { rlimitPrefix, type RlimitTool } from './limits.js';
import { safePath } from './host-tools.js';

/** Where the workspace appears inside the sandbox. A fixed path, so its parent is the read-only root. */
export const SANDBOX_WORKSPACE = '/workspace';
/** Where run_code's file appears inside the sandbox (read-only). */
export const SANDBOX_CODE_DIR = '/code';

/** Top-level system paths needed to run node, python and bash. On merged-/usr hosts most are symlinks. */
const SYSTEM_ROOTS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The few /etc entries programs need (dynamic linker, users, time zone, localhost, CA bundle). No secrets:
 *  /etc/shadow, ssh keys and the like are simply not there. */
const ETC_FILES = [
  '/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives', '/etc/localtime',
  '/etc/nsswitch.conf', '/etc/passwd', '/etc/group', '/etc/hosts', '/etc/ssl', '/etc/ca-certificates',
];

/**
 * Read-only mount arguments for the host system: system roots (kept as symlinks where the host has
 * symlinks), the Node installation running firebreak, and any extra paths the operator asked for.
 */
export async function systemMounts(readOnlyPaths: readonly string[]): Promise<string[]> {
  const args: string[] = [];
  for (const root of SYSTEM_ROOTS) {
    const st = await lstat(root).catch(() => undefined);
    if (!st) continue;
    if (st.isSymbolicLink()) args.push('--symlink', await readlink(root), root);
    else if (st.isDirectory()) args.push('--ro-bind', root, root);
  }
  for (const file of ETC_FILES) args.push('--ro-bind-try', file, file);
  // Node may live outside /usr (e.g. /opt/node22/...): bind its install prefix, both as named and as resolved.
  const extra = new Set<string>();
  for (const exe of [process.execPath, await realpath(process.execPath)]) {
    const prefix = dirname(dirname(exe));
    if (!isUnder(prefix, '/usr')) extra.add(prefix);
  }
  for (const path of readOnlyPaths) extra.add(path);
  for (const path of extra) args.push('--ro-bind', path, path);
  return args;
}

/**
 * `--isolation bwrap`: each run in fresh namespaces (no network, own pids/ipc/uts, own /proc), with the
 * host system read-only, the workspace the only writable host path, a private tmpfs /tmp, no capabilities
 * and an empty environment. rlimits are applied inside the namespace so RLIMIT_NPROC counts only the run.
 */
export class BwrapBackend implements IsolationBackend {
  readonly kind = 'bwrap' as const;
  readonly workspacePath = SANDBOX_WORKSPACE;

  constructor(
    private readonly bwrapPath: string,
    /** Host realpath of the workspace. */
    private readonly hostWorkspace: string,
    private readonly mounts: readonly string[],
    private readonly rlimits: RlimitTool,
    readonly warning: string | undefined,
  ) {}

  codeDir(): string {
    return SANDBOX_CODE_DIR;
  }

  launch(req: LaunchRequest): Launch {
    const env = baseEnv(safePath(), '/tmp');
    const args = [
      '--unshare-all', // user, ipc, pid, net, uts, cgroup: no network at all, not even the host's loopback
      '--die-with-parent', // killing bwrap (time limit) kills the whole sandbox
      '--new-session', // no TIOCSTI on a terminal we might share
      '--cap-drop', 'ALL',
      '--hostname', 'sandbox',
      ...this.mounts,
      '--proc', '/proc',
      // When bwrap runs as root the sandbox is uid 0 mapped to host uid 0: no capabilities, but sysctl writes
      // are checked against uid alone, so /proc/sys/kernel/core_pattern would be a way out. Cover it read-only.
      '--ro-bind', '/proc/sys', '/proc/sys',
      '--ro-bind-try', '/proc/sysrq-trigger', '/proc/sysrq-trigger',
      '--dev', '/dev',
      '--tmpfs', '/tmp',
      // A read-only path under /tmp (Node unpacked there, say) is hidden by the private /tmp: bind it again on top.
      ...readOnlyBindsUnder(this.mounts, '/tmp'),
      '--bind', this.hostWorkspace, SANDBOX_WORKSPACE,
      '--ro-bind', join(req.runDir, 'code'), SANDBOX_CODE_DIR,
      '--remount-ro', '/', // the sandbox root itself: writing to /foo or /workspace/../foo fails with EROFS
      '--chdir', join(SANDBOX_WORKSPACE, req.cwd),
      '--clearenv',
      ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]),
      '--',
      ...rlimitPrefix(this.rlimits, req.limits, { processes: true }),
      ...req.argv,
    ];
    // bwrap itself gets the same clean env: the sandbox's pid 1 is bwrap, and /proc/1/environ is readable.
    return { argv: [this.bwrapPath, ...args], cwd: '/', env };
  }
}

/** The `--ro-bind SRC DEST` triples of `mounts` whose destination is under `root`, as arguments again. */
function readOnlyBindsUnder(mounts: readonly string[], root: string): string[] {
  const out: string[] = [];
  for (let i = 0; i + 2 < mounts.length; i++) {
    if (mounts[i] === '--ro-bind' && isUnder(mounts[i + 2]!, root)) out.push('--ro-bind', mounts[i + 1]!, mounts[i + 2]!);
  }
  return out;
}

function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root + '/');
}
