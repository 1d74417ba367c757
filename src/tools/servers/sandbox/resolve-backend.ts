import { access, mkdir, mkdtemp, realpath, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BwrapBackend, systemMounts } from './bwrap.js';
import type { SandboxConfig } from './config.js';
import { SandboxConfigError, SandboxUnavailableError } from './errors.js';
import { execBounded } from './exec.js';
import { findExecutable, SYSTEM_BIN_DIRS } from './host-tools.js';
import type { IsolationBackend } from './isolation.js';
import type { RlimitTool } from './limits.js';
import { PidsCgroupFactory } from './pids-cgroup.js';
import { ProcessBackend } from './process-backend.js';

export const BWRAP_MISSING_HINT =
  'Install bubblewrap (`apt-get install bubblewrap`), or start the server with `--isolation process` ' +
  '(no filesystem or network isolation; environment scrubbing and resource limits only).';

const ROOT_NPROC_WARNING =
  'maxProcesses is not enforced: running as root without a writable pids cgroup (the kernel ignores ' +
  'RLIMIT_NPROC for uid 0), so a fork bomb is stopped only by the time limit.';

export interface ResolvedBackend {
  backend: IsolationBackend;
  hostWorkspace: string;
  cgroups: PidsCgroupFactory | undefined;
}

/**
 * Checks the host for everything the configured isolation needs and builds the backend.
 * Throws SandboxConfigError for a bad workspace/path and SandboxUnavailableError when bwrap cannot run.
 */
export async function resolveBackend(cfg: SandboxConfig): Promise<ResolvedBackend> {
  const hostWorkspace = await realDirectory(cfg.workspace, 'workspace');
  for (const [i, path] of cfg.readOnlyPaths.entries()) {
    if (!(await access(path).then(() => true, () => false))) throw new SandboxConfigError(`readOnlyPaths.${i}: ${path} does not exist`);
  }
  const rlimits = await findRlimitTool();
  const cgroups = await PidsCgroupFactory.detect();

  if (cfg.isolation === 'process') return { backend: new ProcessBackend(hostWorkspace, rlimits, cgroups !== undefined), hostWorkspace, cgroups };

  const bwrapPath = cfg.bwrapPath ?? (await findExecutable('bwrap'));
  if (!bwrapPath) throw new SandboxUnavailableError(`bubblewrap (bwrap) was not found on this host. ${BWRAP_MISSING_HINT}`);
  const warning = cgroups === undefined && process.getuid?.() === 0 ? ROOT_NPROC_WARNING : undefined;
  const backend = new BwrapBackend(bwrapPath, hostWorkspace, await systemMounts(cfg.readOnlyPaths), rlimits, warning);
  await probe(backend, cfg);
  return { backend, hostWorkspace, cgroups };
}

/** Starts one trivial run: the only reliable way to know the kernel lets bwrap create its namespaces. */
async function probe(backend: BwrapBackend, cfg: SandboxConfig): Promise<void> {
  const runDir = await mkdtemp(join(tmpdir(), 'firebreak-probe-'));
  try {
    await mkdir(join(runDir, 'code'));
    const launch = backend.launch({ argv: ['true'], cwd: '', runDir, limits: cfg.limits });
    const result = await execBounded(launch, { timeoutMs: 15_000, maxOutputBytes: 4096 });
    if (result.spawnError) throw new SandboxUnavailableError(`bwrap could not be started (${result.spawnError}). ${BWRAP_MISSING_HINT}`);
    if (result.exitCode !== 0) {
      const reason = result.stderr.trim() || (result.timedOut ? 'timed out' : `exit ${result.exitCode ?? result.signal}`);
      throw new SandboxUnavailableError(
        `bwrap is installed but cannot create a sandbox here (${reason}); user namespaces may be disabled ` +
          `(sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces). ${BWRAP_MISSING_HINT}`,
      );
    }
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

/** prlimit is preferred; bash's ulimit is the fallback. Both are looked up in system dirs, which the
 *  sandbox also sees, so the same path works inside and outside. */
async function findRlimitTool(): Promise<RlimitTool> {
  const prlimit = await findExecutable('prlimit', SYSTEM_BIN_DIRS);
  if (prlimit) return { kind: 'prlimit', path: prlimit };
  const bash = await findExecutable('bash', SYSTEM_BIN_DIRS);
  if (bash) return { kind: 'bash', path: bash };
  throw new SandboxUnavailableError('neither prlimit (util-linux) nor bash was found in the system directories; resource limits cannot be applied');
}

async function realDirectory(path: string, field: string): Promise<string> {
  const real = await realpath(path).catch(() => undefined);
  if (!real || !(await stat(real).then((s) => s.isDirectory(), () => false))) {
    throw new SandboxConfigError(`${field}: ${path} does not exist or is not a directory`);
  }
  return real;
}
