import { rm } from 'node:fs/promises';
import type { SandboxConfig } from './config.js';
import { SandboxUnavailableError } from './errors.js';
import { execBounded, type ExecResult } from './exec.js';
import type { IsolationBackend } from './isolation.js';
import { createRunDir } from './run-dir.js';

export const BWRAP_MISSING_HINT =
  'Install bubblewrap (`apt-get install bubblewrap`), or start the server with `--isolation process` ' +
  '(no filesystem or network isolation; environment scrubbing and resource limits only).';

/**
 * Starts two trivial runs, exactly as real runs start: `true`, the only reliable way to know the kernel lets
 * bwrap create its namespaces and, as root, that setpriv can drop to the sandbox uid; then `node -e ''` with
 * the Node runs use (sandbox-node.ts), which a binary only its owner may execute, or one needing libraries
 * the sandbox does not show, would fail on every JS/TS run. Throws SandboxUnavailableError saying what to fix.
 */
export async function probe(backend: IsolationBackend, cfg: SandboxConfig): Promise<void> {
  const runDir = await createRunDir('firebreak-probe-', backend.runAs, { hostPaths: backend.kind === 'process' });
  const run = (argv: string[]): Promise<ExecResult> =>
    execBounded(backend.launch({ argv, cwd: '', runDir, limits: cfg.limits }), { timeoutMs: 15_000, maxOutputBytes: 4096 });
  try {
    const started = await run(['true']);
    if (started.spawnError && backend.kind === 'bwrap') {
      throw new SandboxUnavailableError(`bwrap could not be started (${started.spawnError}). ${BWRAP_MISSING_HINT}`);
    }
    if (started.spawnError || started.exitCode !== 0) throw new SandboxUnavailableError(startFailure(backend, failure(started)));
    const node = await run([backend.nodePath, '-e', '']);
    if (node.spawnError || node.exitCode !== 0) throw new SandboxUnavailableError(nodeFailure(backend, failure(node)));
  } finally {
    await rm(runDir, { recursive: true, force: true });
  }
}

function failure(r: ExecResult): string {
  return r.spawnError ?? (r.stderr.trim() || (r.timedOut ? 'timed out' : `exit ${r.exitCode ?? r.signal}`));
}

function startFailure(backend: IsolationBackend, reason: string): string {
  const ids = backend.runAs ? `uid ${backend.runAs.uid}/gid ${backend.runAs.gid} (--sandbox-uid/--sandbox-gid)` : '';
  if (backend.kind === 'process') {
    return `as root, runs drop to ${ids} with setpriv, which failed (${reason}); a container may lack CAP_SETUID, ` +
      'CAP_SETGID or CAP_SETPCAP. Run firebreak as a non-root user, or give it those capabilities.';
  }
  const cause = backend.runAs
    ? `as root, bwrap needs to create namespaces and setpriv to switch to ${ids}; a container may lack CAP_SYS_ADMIN or block unshare with seccomp`
    : 'user namespaces may be disabled (sysctl kernel.unprivileged_userns_clone / user.max_user_namespaces)';
  return `bwrap is installed but cannot create a sandbox here (${reason}); ${cause}. ${BWRAP_MISSING_HINT}`;
}

function nodeFailure(backend: IsolationBackend, reason: string): string {
  const seenAs = backend.nodePath === process.execPath ? '' : `, which runs see at ${backend.nodePath}`;
  const who = backend.runAs
    ? ` Runs execute as uid ${backend.runAs.uid}/gid ${backend.runAs.gid}: the binary must be executable by them ` +
      '(`chmod a+rx`; a Node installed under umask 077 is not).'
    : '';
  const libs = backend.kind === 'bwrap' && /shared librar/.test(reason)
    ? ' Libraries it loads from outside the system directories can be shown to runs with --ro-path.'
    : '';
  return `the sandbox cannot run firebreak's Node (${process.execPath}${seenAs}): ${reason}.${who}${libs}`;
}
