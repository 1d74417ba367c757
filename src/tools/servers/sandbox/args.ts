import { parseArgs } from 'node:util';
import type { SandboxConfigInput } from './config.js';
import { SandboxConfigError } from './errors.js';

/** Command-line options of `firebreak tools sandbox`, as shown in its usage text. */
export const SANDBOX_USAGE = [
  '  --workspace DIR          checkout the runs work in (default: the current directory)',
  '  --isolation KIND         bwrap (default: namespaces, no network) | process (NOT isolated; env scrub + limits)',
  '  --timeout-ms N           default wall-clock limit per call (default 30000)',
  '  --max-timeout-ms N       largest timeoutMs a caller may ask for (default 600000)',
  '  --cpu-seconds N          CPU seconds per process (default 300)',
  '  --memory-mb N            heap + private memory per process in MiB (default 4096)',
  '  --max-processes N        processes + threads per run (default 256)',
  '  --max-output-bytes N     bytes kept per stream (default 65536)',
  '  --ro-path PATH           extra host path visible read-only (repeatable)',
  '  --bwrap PATH             bwrap binary (default: found on PATH)',
  '  --sandbox-uid N          when run as root: host uid runs execute as (default 65534, never 0)',
  '  --sandbox-gid N          when run as root: host gid runs execute as (default 65534, never 0)',
].join('\n');

const INT_FLAGS = {
  'timeout-ms': 'defaultTimeoutMs',
  'max-timeout-ms': 'maxTimeoutMs',
  'cpu-seconds': 'cpuSeconds',
  'max-processes': 'maxProcesses',
  'max-output-bytes': 'maxOutputBytes',
} as const;

/**
 * Parses sandbox command-line options into a config (validated later by `openSandbox`).
 * Throws SandboxConfigError naming the bad flag. `cwd` is the default workspace.
 */
export function parseSandboxArgs(argv: string[], cwd: string): SandboxConfigInput {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        workspace: { type: 'string' },
        isolation: { type: 'string' },
        'memory-mb': { type: 'string' },
        'ro-path': { type: 'string', multiple: true },
        bwrap: { type: 'string' },
        'timeout-ms': { type: 'string' },
        'max-timeout-ms': { type: 'string' },
        'cpu-seconds': { type: 'string' },
        'max-processes': { type: 'string' },
        'max-output-bytes': { type: 'string' },
        'sandbox-uid': { type: 'string' },
        'sandbox-gid': { type: 'string' },
      },
    }));
  } catch (err) {
    throw new SandboxConfigError(err instanceof Error ? err.message : String(err));
  }
  const limits: Record<string, number> = {};
  for (const [flag, field] of Object.entries(INT_FLAGS) as [keyof typeof INT_FLAGS, string][]) {
    const raw = values[flag];
    if (typeof raw === 'string') limits[field] = toInt(raw, flag);
  }
  if (typeof values['memory-mb'] === 'string') limits.memoryBytes = toInt(values['memory-mb'], 'memory-mb') * 1024 * 1024;
  const isolation = values.isolation;
  if (isolation !== undefined && isolation !== 'bwrap' && isolation !== 'process') {
    throw new SandboxConfigError(`--isolation: expected bwrap or process, got '${String(isolation)}'`);
  }
  return {
    workspace: typeof values.workspace === 'string' ? values.workspace : cwd,
    ...(isolation ? { isolation } : {}),
    limits,
    readOnlyPaths: Array.isArray(values['ro-path']) ? values['ro-path'] : [],
    ...(typeof values.bwrap === 'string' ? { bwrapPath: values.bwrap } : {}),
    ...(typeof values['sandbox-uid'] === 'string' ? { sandboxUid: toInt(values['sandbox-uid'], 'sandbox-uid') } : {}),
    ...(typeof values['sandbox-gid'] === 'string' ? { sandboxGid: toInt(values['sandbox-gid'], 'sandbox-gid') } : {}),
  };
}

function toInt(raw: string, flag: string): number {
  if (!/^\d+$/.test(raw)) throw new SandboxConfigError(`--${flag}: expected a whole number, got '${raw}'`);
  return Number(raw);
}
