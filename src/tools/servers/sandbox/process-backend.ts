import { dirname, join } from 'node:path';
import { baseEnv, type IsolationBackend, type Launch, type LaunchRequest } from './isolation.js';
import { rlimitPrefix, type RlimitTool } from './limits.js';
import { safePath } from './host-tools.js';
import { privilegeDropPrefix, type RunAs } from './privileges.js';

export const PROCESS_ISOLATION_WARNING =
  'isolation=process: runs are NOT sandboxed (host filesystem and network are reachable); only the environment ' +
  'is scrubbed and resource limits applied. Install bubblewrap for real isolation.';

/**
 * `--isolation process`: a child process with a scrubbed environment, a private HOME/TMPDIR and rlimits.
 * For hosts without user namespaces (some CI containers). It does not confine the filesystem or network.
 *
 * Never as uid 0 either: when firebreak is root, the run drops to `runAs` through setpriv (after joining its
 * pids cgroup, before the limits and the command), like bwrap runs do. Without namespaces the run then
 * reaches host paths as that uid, so `resolve-backend.ts` refuses to start when the workspace, Node or the
 * temporary directory are out of its reach. What the drop buys: the run cannot read root's files (SSH keys,
 * /etc/shadow), firebreak's /proc/PID/environ (tokens), nor change the system.
 */
export class ProcessBackend implements IsolationBackend {
  readonly kind = 'process' as const;
  readonly warning: string;
  /** Runs reach the host directly, so they use firebreak's Node at its host path. */
  readonly nodePath = process.execPath;

  constructor(
    readonly workspacePath: string,
    private readonly rlimits: RlimitTool,
    /** Whether a pids cgroup caps the run; if not, the warning says fork bombs are only stopped by the clock. */
    private readonly pidsCgroup: boolean,
    /** Set when firebreak is root: the uid/gid runs drop to. */
    readonly runAs: RunAs | undefined,
  ) {
    this.warning = pidsCgroup || runAs
      ? PROCESS_ISOLATION_WARNING
      : `${PROCESS_ISOLATION_WARNING} No pids cgroup is available, so the process count is bounded only by the time limit.`;
  }

  codeDir(runDir: string): string {
    return join(runDir, 'code');
  }

  launch(req: LaunchRequest): Launch {
    const home = join(req.runDir, 'home');
    // RLIMIT_NPROC counts all of the uid's host processes: a modest cap would break runs on a busy machine as
    // firebreak's own uid, so only a dropped run without a pids cgroup gets it (it then caps the sandbox uid
    // across concurrent runs, as under bwrap as root).
    const limits = rlimitPrefix(this.rlimits, req.limits, { processes: this.runAs !== undefined && !this.pidsCgroup });
    const argv: Launch['argv'] = this.runAs ? [...privilegeDropPrefix(this.runAs), ...limits, ...req.argv] : [...limits, ...req.argv];
    return {
      argv,
      cwd: join(this.workspacePath, req.cwd),
      env: baseEnv(safePath(dirname(this.nodePath)), home),
    };
  }
}
