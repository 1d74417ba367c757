import type { SandboxLimits } from './config.js';

/** How rlimits are applied: util-linux `prlimit` (preferred, one exec) or `ulimit` in a bash wrapper. */
export type RlimitTool = { kind: 'prlimit'; path: string } | { kind: 'bash'; path: string };

export interface RlimitOptions {
  /** Also cap RLIMIT_NPROC. It counts per uid: inside a fresh user namespace that is the run alone;
   *  elsewhere every process the uid owns on the host (other runs included), and for uid 0 the kernel
   *  ignores it altogether. */
  processes: boolean;
}

/**
 * The argv prefix that applies the run's rlimits and then execs the command that follows it.
 * Soft and hard limits are equal, so the run cannot raise them back.
 */
export function rlimitPrefix(tool: RlimitTool, limits: SandboxLimits, opts: RlimitOptions): [string, ...string[]] {
  if (tool.kind === 'prlimit') {
    const args: [string, ...string[]] = [
      tool.path,
      `--cpu=${limits.cpuSeconds}`,
      `--data=${limits.memoryBytes}`,
      `--fsize=${limits.maxFileBytes}`,
      `--nofile=${limits.maxOpenFiles}`,
      '--core=0', // no core files dropped into the workspace
    ];
    if (opts.processes) args.push(`--nproc=${limits.maxProcesses}`);
    return [...args, '--'];
  }
  // bash's ulimit takes KiB for -d and 1024-byte blocks for -f (outside POSIX mode).
  const parts = [
    `-t ${limits.cpuSeconds}`,
    `-d ${Math.floor(limits.memoryBytes / 1024)}`,
    `-f ${Math.floor(limits.maxFileBytes / 1024)}`,
    `-n ${limits.maxOpenFiles}`,
    '-c 0',
  ];
  if (opts.processes) parts.push(`-u ${limits.maxProcesses}`);
  const script = parts.map((p) => `ulimit -S -H ${p}`).join(' && ') + ' && exec "$@"';
  return [tool.path, '-c', script, 'firebreak-limits'];
}
