import { join } from 'node:path';
import { baseEnv, type IsolationBackend, type Launch, type LaunchRequest } from './isolation.js';
import { rlimitPrefix, type RlimitTool } from './limits.js';
import { safePath } from './host-tools.js';

export const PROCESS_ISOLATION_WARNING =
  'isolation=process: runs are NOT sandboxed (host filesystem and network are reachable); only the environment ' +
  'is scrubbed and resource limits applied. Install bubblewrap for real isolation.';

/**
 * `--isolation process`: a child process with a scrubbed environment, a private HOME/TMPDIR and rlimits.
 * For hosts without user namespaces (some CI containers). It does not confine the filesystem or network.
 */
export class ProcessBackend implements IsolationBackend {
  readonly kind = 'process' as const;
  readonly warning: string;

  constructor(
    readonly workspacePath: string,
    private readonly rlimits: RlimitTool,
    /** Whether a pids cgroup caps the run; if not, the warning says fork bombs are only stopped by the clock. */
    processCapEnforced: boolean,
  ) {
    this.warning = processCapEnforced
      ? PROCESS_ISOLATION_WARNING
      : `${PROCESS_ISOLATION_WARNING} No pids cgroup is available, so the process count is bounded only by the time limit.`;
  }

  codeDir(runDir: string): string {
    return join(runDir, 'code');
  }

  launch(req: LaunchRequest): Launch {
    const home = join(req.runDir, 'home');
    // No RLIMIT_NPROC here: outside a user namespace it counts all of the user's host processes, so a
    // modest cap would break runs on a busy machine. The pids cgroup (when available) does the job instead.
    const prefix = rlimitPrefix(this.rlimits, req.limits, { processes: false });
    return { argv: [...prefix, ...req.argv], cwd: join(this.workspacePath, req.cwd), env: baseEnv(safePath(), home) };
  }
}
