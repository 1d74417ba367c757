import { z } from 'zod';
import { RunnerConfigError } from './errors.js';

const name = z.string().regex(/^[A-Za-z][A-Za-z0-9_.:-]{0,99}$/, 'must start with a letter; letters, digits, _ . : - only');

/** Flow control of one queue. The same settings mean the same thing on the local and the DBOS runner. */
export const queueConfigSchema = z.object({
  /** Runs of this queue executing at once across ALL workers (DBOS global concurrency). */
  concurrency: z.number().int().positive().optional(),
  /** Runs of this queue executing at once in EACH worker process. */
  workerConcurrency: z.number().int().positive().optional(),
  /** Admission limit: enqueue fails fast with QueueFullError once this many runs are waiting. */
  maxQueued: z.number().int().positive().optional(),
  /** DBOS only: fastest poll of the queue table (DBOS backs off when idle); default 1000 ms. */
  pollIntervalMs: z.number().int().min(10).max(60_000).optional(),
}).strict();

export type QueueConfig = z.infer<typeof queueConfigSchema>;

/** A queue's settings after defaults: every field a runner needs. */
export interface ResolvedQueue {
  readonly name: string;
  readonly concurrency: number | undefined;
  readonly workerConcurrency: number;
  readonly maxQueued: number;
  readonly pollIntervalMs: number | undefined;
}

/** Incidents get more slots and a deep backlog; drills are heavy (a whole lab each) and few. */
export const DEFAULT_QUEUES: Readonly<Record<string, QueueConfig>> = {
  incidents: { workerConcurrency: 4, maxQueued: 1000 },
  drills: { workerConcurrency: 1, maxQueued: 50 },
};

const queuesSchema = z.record(name, queueConfigSchema);

export const localRunnerConfigSchema = z.object({
  kind: z.literal('local'),
  /** A memory URL (`sqlite:PATH`, `postgres://…`) for the run journal: re-enqueueing a runId resumes it. */
  journal: z.string().min(1).optional(),
  queues: queuesSchema.optional(),
}).strict();

export const dbosRunnerConfigSchema = z.object({
  kind: z.literal('dbos'),
  /** PostgreSQL URL of the DBOS system database (created if missing). Every worker and submitter shares it. */
  database: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL'),
  /** Scopes workflows, queues and versions in a database shared by several applications. */
  applicationName: name.default('firebreak'),
  /** Default: a hash of the registry's workflow structures. Set it (e.g. to a git SHA) when step bodies change. */
  appVersion: z.string().min(1).max(200).optional(),
  /** This worker's identity; default `<hostname>-<pid>`. A restarted worker with the same id resumes its runs at once. */
  executorId: z.string().regex(/^[A-Za-z0-9_.:@-]{1,200}$/, 'letters, digits, _ . : @ - only (max 200)').optional(),
  /** Schema of DBOS's tables in that database. */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a lower-case SQL identifier').default('dbos'),
  /** Also execute workflows in this process (false: only submit and observe, e.g. an MCP server). */
  worker: z.boolean().default(true),
  /** Queues this worker takes runs from; default all configured queues. */
  listenQueues: z.array(name).min(1).optional(),
  /** How often a worker proves it is alive. */
  heartbeatMs: z.number().int().min(100).max(60_000).default(5_000),
  /** A worker silent this long is presumed dead and its running workflows are recovered by the others. */
  deadAfterMs: z.number().int().min(300).max(3_600_000).default(30_000),
  /** Connections of each pool (DBOS's and firebreak's); default 10. */
  poolSize: z.number().int().min(2).max(200).optional(),
  queues: queuesSchema.optional(),
}).strict().refine((c) => c.deadAfterMs >= 2 * c.heartbeatMs, {
  message: 'must be at least twice heartbeatMs, or a slow heartbeat reads as a death',
  path: ['deadAfterMs'],
});

export const runnerConfigSchema = z.discriminatedUnion('kind', [localRunnerConfigSchema, dbosRunnerConfigSchema]);

export type LocalRunnerConfig = z.infer<typeof localRunnerConfigSchema>;
export type DbosRunnerConfig = z.output<typeof dbosRunnerConfigSchema>;
export type DbosRunnerConfigInput = z.input<typeof dbosRunnerConfigSchema>;
export type RunnerConfig = LocalRunnerConfig | DbosRunnerConfig;
export type RunnerConfigInput = LocalRunnerConfig | DbosRunnerConfigInput;

/**
 * Validates a `runner:` config block (from a config file, flags or code).
 * Throws RunnerConfigError naming every bad field, e.g. `database: must be a postgres:// … URL`.
 */
export function parseRunnerConfig(value: unknown): RunnerConfig {
  const result = runnerConfigSchema.safeParse(value);
  if (result.success) return result.data;
  throw new RunnerConfigError(result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
}

/** Defaults merged with configured queues (configured fields win), plus any queue a workflow names. */
export function resolveQueues(configured: Record<string, QueueConfig> | undefined, extra: readonly string[] = []): Map<string, ResolvedQueue> {
  const merged: Record<string, QueueConfig> = {};
  for (const [q, c] of Object.entries(DEFAULT_QUEUES)) merged[q] = { ...c };
  for (const [q, c] of Object.entries(configured ?? {})) merged[q] = { ...merged[q], ...c };
  for (const q of extra) merged[q] ??= {};
  const out = new Map<string, ResolvedQueue>();
  for (const [q, c] of Object.entries(merged)) {
    const workerConcurrency = c.workerConcurrency ?? Math.min(c.concurrency ?? 4, 4);
    if (c.concurrency !== undefined && workerConcurrency > c.concurrency) {
      throw new RunnerConfigError([{ path: `queues.${q}.workerConcurrency`, message: `must not exceed concurrency (${c.concurrency})` }]);
    }
    out.set(q, { name: q, concurrency: c.concurrency, workerConcurrency, maxQueued: c.maxQueued ?? 1000, pollIntervalMs: c.pollIntervalMs });
  }
  return out;
}

/** The URL with its password replaced, for logs and errors. */
export function maskDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable database URL)';
  }
}
