import { access, realpath, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { BwrapBackend, systemMounts } from './bwrap.js';
import type { SandboxConfig } from './config.js';
import { SandboxConfigError, SandboxUnavailableError } from './errors.js';
import { findExecutable, SYSTEM_BIN_DIRS } from './host-tools.js';
import type { IsolationBackend } from './isolation.js';
import type { RlimitTool } from './limits.js';
import { PidsCgroupFactory } from './pids-cgroup.js';
import type { RunAs } from './privileges.js';
import { BWRAP_MISSING_HINT, probe } from './probe.js';
import { ProcessBackend } from './process-backend.js';
import { unreachableReason } from './reachable.js';
import { isUnder, resolveSandboxNode, SANDBOX_NODE_DIR } from './sandbox-node.js';

export { BWRAP_MISSING_HINT } from './probe.js';

export interface ResolvedBackend {
  backend: IsolationBackend;
  hostWorkspace: string;
  cgroups: PidsCgroupFactory | undefined;
}

/**
 * Checks the host for everything the configured isolation needs and builds the backend.
 * Throws SandboxConfigError for a bad workspace/path and SandboxUnavailableError when the isolation cannot
 * run here (bwrap missing or refused, setpriv missing, Node not runnable, a path out of the run uid's reach).
 */
export async function resolveBackend(cfg: SandboxConfig): Promise<ResolvedBackend> {
  const hostWorkspace = await realDirectory(cfg.workspace, 'workspace');
  for (const [i, path] of cfg.readOnlyPaths.entries()) {
    if (!(await access(path).then(() => true, () => false))) throw new SandboxConfigError(`readOnlyPaths.${i}: ${path} does not exist`);
  }
  const rlimits = await findRlimitTool();
  const cgroups = await PidsCgroupFactory.detect();

  if (cfg.isolation === 'process') {
    const runAs = await resolveRunAs(cfg);
    const backend = new ProcessBackend(hostWorkspace, rlimits, cgroups !== undefined, runAs);
    if (runAs) {
      await checkHostPathsReachable(runAs, hostWorkspace);
      await probe(backend, cfg);
    }
    return { backend, hostWorkspace, cgroups };
  }

  for (const [i, path] of cfg.readOnlyPaths.entries()) {
    if (isUnder(path, SANDBOX_NODE_DIR) || isUnder(SANDBOX_NODE_DIR, path)) {
      throw new SandboxConfigError(`readOnlyPaths.${i}: ${path} overlaps ${SANDBOX_NODE_DIR}, where bwrap runs see firebreak's Node`);
    }
  }
  const bwrapPath = cfg.bwrapPath ?? (await findExecutable('bwrap'));
  if (!bwrapPath) throw new SandboxUnavailableError(`bubblewrap (bwrap) was not found on this host. ${BWRAP_MISSING_HINT}`);
  const runAs = await resolveRunAs(cfg);
  const node = await resolveSandboxNode();
  const mounts = await systemMounts(cfg.readOnlyPaths, node);
  const backend = new BwrapBackend(bwrapPath, hostWorkspace, mounts, node.execPath, rlimits, runAs, cgroups !== undefined);
  await probe(backend, cfg);
  return { backend, hostWorkspace, cgroups };
}

/**
 * `--isolation process` as root: the dropped run opens host paths itself, so the workspace's parents, Node
 * and the temporary directory (run dirs live there) must be within its reach. The workspace itself is lent
 * to it (workspace-lease.ts). Refuses, naming the blocking directory and the fix, rather than run as root.
 */
async function checkHostPathsReachable(runAs: RunAs, hostWorkspace: string): Promise<void> {
  const checks = [
    { what: `the workspace ${hostWorkspace}`, path: dirname(hostWorkspace), access: 'search', fix: 'move the checkout where that uid can reach it (or `chmod o+x` the directory named)' },
    { what: `firebreak's Node ${process.execPath}`, path: process.execPath, access: 'execute', fix: 'install Node where that uid can reach it, e.g. `FIREBREAK_NODE_DIR=/opt/firebreak/node22 source scripts/setup.sh`' },
    { what: `the temporary directory ${tmpdir()}`, path: tmpdir(), access: 'search', fix: 'point TMPDIR at a directory that uid can reach' },
  ] as const;
  for (const check of checks) {
    const reason = await unreachableReason(check.path, runAs, check.access);
    if (reason === undefined) continue;
    throw new SandboxUnavailableError(
      `as root, --isolation process runs as uid ${runAs.uid}/gid ${runAs.gid} (--sandbox-uid/--sandbox-gid) and opens host paths ` +
        `directly, but ${check.what} is out of its reach: ${reason}. Fix: ${check.fix}; or use --isolation bwrap (which shows ` +
        'the workspace and Node to runs whatever their host path), or run firebreak as a non-root user.',
    );
  }
}

/** When firebreak is root, runs drop to the configured uid/gid with setpriv (privileges.ts); else undefined. */
async function resolveRunAs(cfg: SandboxConfig): Promise<RunAs | undefined> {
  if (process.geteuid?.() !== 0) return undefined;
  const setprivPath = await findExecutable('setpriv', SYSTEM_BIN_DIRS);
  if (!setprivPath) {
    throw new SandboxUnavailableError(
      'running as root, the sandbox drops runs to an unprivileged uid with setpriv (util-linux), which was not found ' +
        'in the system directories: install util-linux (Alpine: `apk add setpriv`), or run firebreak as a non-root user.',
    );
  }
  return { uid: cfg.sandboxUid, gid: cfg.sandboxGid, setprivPath };
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
