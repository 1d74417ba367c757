import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { SandboxConfigError } from './errors.js';

/** How runs are isolated: `bwrap` (namespaces, the default) or `process` (a scrubbed child process only). */
export const ISOLATION_KINDS = ['bwrap', 'process'] as const;
export type IsolationKind = (typeof ISOLATION_KINDS)[number];

const MiB = 1024 * 1024;
/** The largest valid uid/gid: (uid_t)-1 means "unchanged" to chown(2). */
const MAX_ID = 2 ** 32 - 2;
const NOT_ROOT = 'must not be 0: sandboxed code never runs as root';

/**
 * Resource limits applied to every run. Per process (rlimits) unless noted: a run may start several
 * processes, each held to cpuSeconds and memoryBytes; maxProcesses counts processes AND threads of the whole
 * run (Node starts ~10 threads, so keep it well above the number of processes you expect).
 */
export const sandboxLimitsSchema = z.object({
  /** RLIMIT_CPU per process: stops a spinning child even if the wall clock is generous. */
  cpuSeconds: z.int().positive().default(300),
  /**
   * RLIMIT_DATA per process: heap and other private writable memory. Not RLIMIT_AS: V8 and WebAssembly
   * reserve many GiB of address space up front (Node's TypeScript stripper is Wasm), which AS would refuse.
   */
  memoryBytes: z.int().min(128 * MiB).default(4096 * MiB),
  /** Tasks (processes + threads) of the whole run: a pids cgroup, or RLIMIT_NPROC inside the user namespace. */
  maxProcesses: z.int().min(4).default(256),
  /** RLIMIT_FSIZE: the largest file a run may write. */
  maxFileBytes: z.int().positive().default(256 * MiB),
  /** RLIMIT_NOFILE. */
  maxOpenFiles: z.int().min(16).default(1024),
  /** Kept per stream (stdout, stderr); the rest is dropped from the middle with a marker. */
  maxOutputBytes: z.int().min(1024).default(64 * 1024),
  /** Wall clock for a call that does not pass `timeoutMs`. */
  defaultTimeoutMs: z.int().positive().default(30_000),
  /** The largest `timeoutMs` a caller may ask for. */
  maxTimeoutMs: z.int().positive().default(600_000),
});
export type SandboxLimits = z.output<typeof sandboxLimitsSchema>;

export const sandboxConfigSchema = z
  .object({
    /** Host directory of the checkout under repair; the only writable host path a run can see. */
    workspace: z.string().min(1),
    isolation: z.enum(ISOLATION_KINDS).default('bwrap'),
    // prefault: parse `{}` through the inner schema so each limit gets its own default.
    limits: sandboxLimitsSchema.prefault({}),
    /** Extra host paths made visible read-only at the same path (e.g. a toolchain under /opt). */
    readOnlyPaths: z.array(z.string().refine(isAbsolute, 'must be an absolute path')).default([]),
    /** Explicit bwrap binary; found on PATH when absent. */
    bwrapPath: z.string().min(1).optional(),
    /**
     * Host uid/gid that runs execute as when firebreak itself runs as root, with either isolation (ignored
     * otherwise: runs then have firebreak's own uid). Never 0. Default 65534 ("nobody"); pick an id no other
     * process on the host uses, because RLIMIT_NPROC (the fork cap when no pids cgroup is writable) counts
     * per uid.
     */
    sandboxUid: z.int().min(1, NOT_ROOT).max(MAX_ID).default(65534),
    sandboxGid: z.int().min(1, NOT_ROOT).max(MAX_ID).default(65534),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.limits.defaultTimeoutMs > cfg.limits.maxTimeoutMs) {
      ctx.addIssue({
        code: 'custom',
        path: ['limits', 'defaultTimeoutMs'],
        message: `must not exceed limits.maxTimeoutMs (${cfg.limits.maxTimeoutMs})`,
      });
    }
  });

export type SandboxConfigInput = z.input<typeof sandboxConfigSchema>;
export type SandboxConfig = z.output<typeof sandboxConfigSchema>;

/** Formats zod issues as `field.path: message; ...` so the bad field is always named. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/**
 * Validates a sandbox configuration and fills in defaults.
 * Throws SandboxConfigError naming every bad field.
 */
export function parseSandboxConfig(input: unknown): SandboxConfig {
  const parsed = sandboxConfigSchema.safeParse(input);
  if (!parsed.success) throw new SandboxConfigError(`invalid sandbox config: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
