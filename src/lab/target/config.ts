import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { durationSchema } from './distribution.js';
import { ServiceConfigError } from './errors.js';

// Defaults are the seeds' "current production" values — the incident-prone service. Every fix is an
// explicit change in service.config.json (see README.md for the knob-to-scenario map).

const ms = z.number().int().positive();
const msOrNone = ms.nullable();

/** Service identity: `service` label on every metric and log line, and the `build_info` gauge. */
const serviceSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes').default('workflows-api'),
  version: z.string().min(1).default('1.0.0'),
  /** Git revision; the `--revision` flag or FIREBREAK_REVISION env var override it at deploy time. */
  revision: z.string().min(1).default('unknown'),
});

/** Database connection pool behind /api/workflows/execute (seed 004). */
const poolSchema = z.strictObject({
  size: z.number().int().min(1).max(10_000).default(10),
  /** How long a request waits in the queue for a free connection; null waits forever. */
  acquireTimeoutMs: msOrNone.default(2_400),
  /** Wait-queue bound; past it requests fail at once. null is unbounded. */
  maxWaiters: z.number().int().nonnegative().nullable().default(null),
  /** Simulated query time while a connection is held. */
  queryLatency: durationSchema.prefault({ medianMs: 190 }),
});

/** Worker pool consuming the task queue behind /api/tasks (seed 000). */
const workersSchema = z.strictObject({
  concurrency: z.number().int().min(1).max(10_000).default(8),
  /** Per-attempt timeout; null lets a long task hold its worker slot until it finishes. */
  taskTimeoutMs: msOrNone.default(null),
  /** Attempts per task including the first; a timed-out attempt is re-queued until this is reached. */
  maxAttempts: z.number().int().min(1).max(100).default(3),
  /** Queue bound; past it /api/tasks answers 503 (backpressure). null is unbounded. */
  maxQueueDepth: z.number().int().min(1).nullable().default(null),
  taskDuration: durationSchema.prefault({ medianMs: 150, tail: { ratio: 0.05, minMs: 20_000, maxMs: 40_000 } }),
});

/** Outbound client behind /api/orders, calling the lab dependency server (seed 001). */
const dependencySchema = z.strictObject({
  /** Name the lab provides a URL for (FIREBREAK_LAB_PROVIDES); also the `dependency` metric label. */
  name: z.string().min(1).default('payments-api'),
  path: z.string().startsWith('/').default('/charge'),
  timeoutMs: ms.default(5_000),
  /** Retries after the first attempt. */
  retries: z.number().int().min(0).max(20).default(3),
  /** Base of the exponential backoff: attempt n waits backoffMs * 2^(n-1), capped at maxBackoffMs. */
  backoffMs: ms.default(500),
  maxBackoffMs: ms.default(10_000),
  /** none: every client retries on the same schedule (thundering herd). full: uniform in [0, backoff]. */
  jitter: z.enum(['none', 'full']).default('none'),
});

const sagaStatus = z.enum(['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'RETRY_PENDING']);
export type SagaStatus = z.infer<typeof sagaStatus>;
export const SAGA_STATUSES = sagaStatus.options;

/** Saga processor and the seed-002 recovery runbook, over the SQLite saga table. */
const sagasSchema = z.strictObject({
  processor: z
    .strictObject({
      pollIntervalMs: ms.default(200),
      batchSize: z.number().int().min(1).max(1_000).default(20),
      maxConcurrent: z.number().int().min(1).max(10_000).default(50),
      steps: z.array(z.string().min(1)).min(1).default(['reserve-capacity', 'charge-payment', 'provision-tenant']),
      stepDuration: durationSchema.prefault({ medianMs: 300 }),
    })
    .prefault({}),
  recovery: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** A RUNNING saga whose updated_at is older than this is considered stuck. */
      staleAfterMs: ms.default(30 * 60_000),
      /** Only sagas with retry_count below this are marked RETRY_PENDING (the runbook's `retry_count < 3`). */
      maxRetries: z.number().int().min(0).max(100).default(3),
      intervalMs: ms.default(1_000),
    })
    .prefault({}),
});

const startupSchema = z.strictObject({
  /** Names the environment must provide (FIREBREAK_LAB_PROVIDES); a missing one aborts startup. */
  requires: z.array(z.string().min(1)).default([]),
});

const observabilitySchema = z.strictObject({
  /** Period of the "runtime stats" log line (pool, queue, sagas); null disables it. */
  statsLogIntervalMs: msOrNone.default(5_000),
  /** Log one line per completed HTTP request (access log). */
  accessLog: z.boolean().default(true),
});

/** The schema of service.config.json. Unknown fields are errors, so a typo cannot silently keep a default. */
export const serviceConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  service: serviceSchema.prefault({}),
  pool: poolSchema.prefault({}),
  workers: workersSchema.prefault({}),
  dependency: dependencySchema.optional(),
  sagas: sagasSchema.prefault({}),
  startup: startupSchema.prefault({}),
  observability: observabilitySchema.prefault({}),
});

/** A validated service config, defaults filled in. */
export type ServiceConfig = z.infer<typeof serviceConfigSchema>;
/** What a service.config.json may contain (every field optional where a default exists). */
export type ServiceConfigInput = z.input<typeof serviceConfigSchema>;

/** The zod schema under wrappers (default, prefault, optional, nullable, pipe) — to walk the config's shape. */
function unwrapSchema(schema: z.ZodType): z.ZodType {
  let current = schema as z.ZodType & { _zod: { def: { innerType?: z.ZodType; in?: z.ZodType; type: string } } };
  for (let i = 0; i < 16; i++) {
    const def = current._zod.def;
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!next) break;
    current = next as typeof current;
  }
  return current;
}

/**
 * True when `path` (dotted, e.g. `pool.size`, `sagas.recovery`, `workers`) names a section or a setting of
 * service.config.json. Scenarios use it to check `expected.settings` (what a fix may change).
 */
export function isServiceSetting(path: string): boolean {
  let schema: z.ZodType = serviceConfigSchema;
  for (const key of path.split('.')) {
    const object = unwrapSchema(schema) as z.ZodType & { shape?: Record<string, z.ZodType> };
    const next = object.shape?.[key];
    if (!next || key === '$schema') return false;
    schema = next;
  }
  return path.length > 0;
}

/** Formats zod issues as `field.path: message` so the operator sees which field to fix. */
export function formatConfigIssues(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `${path ? `${path}.` : ''}${key}: unknown field`).join('; ');
    }
    return `${path || '(root)'}: ${issue.message}`;
  });
}

/** Validates an already-parsed config value. Throws `ServiceConfigError` naming each bad field. */
export function parseServiceConfig(value: unknown, source = '<inline>'): ServiceConfig {
  const result = serviceConfigSchema.safeParse(value);
  if (!result.success) throw new ServiceConfigError(source, formatConfigIssues(result.error));
  return result.data;
}

type Json = Record<string, unknown>;
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Merges `patch` into `base` the way a config change reads: objects merge, everything else (arrays, null)
 * replaces. Here, in the target's own module, because the service process merges its environment with it.
 */
export function mergeConfig(base: Json, patch: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? mergeConfig(current, value) : value;
  }
  return out;
}

/**
 * Reads and validates service.config.json. Throws `ServiceConfigError` when the file is missing, is not
 * JSON, or fails the schema; the message names the file and each bad field (`pool.size: ...`).
 * `environment` (the platform's fragment, see startup.ts `readEnvironment`) is merged under the file: the
 * file wins where both set a field.
 */
export async function loadServiceConfig(file: string, environment: Record<string, unknown> = {}): Promise<ServiceConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ServiceConfigError(file, [`cannot read file: ${(err as Error).message}`]);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ServiceConfigError(file, [`not valid JSON: ${(err as Error).message}`]);
  }
  return parseServiceConfig(isObject(value) ? mergeConfig(environment, value) : value, file);
}
