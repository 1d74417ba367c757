import { z } from 'zod';
import { promDuration, repositorySlug } from '../workflows/incident-context.js';
import { notifierConfig } from '../workflows/notifier.js';
import { incidentBudgetSchema } from '../workflows/budget.js';
import { changesSchema } from '../workflows/stage-situation.js';
import { verificationSchema } from '../workflows/verify.js';

/**
 * firebreak.config.json: what `firebreak respond` (and the MCP server) need to answer an incident — the MCP
 * servers (the IDE format), the model, memory, the approval policy, notifications, where each service's code
 * lives, how to verify recovery, and per-persona overrides. Every field is validated; errors name it.
 */

const budget = z.strictObject({
  tokens: z.int().positive().optional(),
  turns: z.int().positive().optional(),
  toolCalls: z.int().min(0).optional(),
});

const personaOverride = z.strictObject({
  /** Replaces the persona's instructions (its method). */
  instructions: z.string().min(1).optional(),
  /** Merged over the workflow's defaults. */
  budget: budget.optional(),
  /** Replaces the tool allowlist: globs over `server.tool`. */
  tools: z.array(z.string().min(1)).min(1).optional(),
  /** Max output tokens per model call. */
  maxOutputTokens: z.int().positive().max(64_000).optional(),
});

const modelSpec = z.union([
  z.literal('playbook'),
  z.string().regex(/^anthropic(:[\w.-]+)?$/, "expected 'playbook', 'anthropic[:MODEL]' or 'replay:FILE'"),
  z.string().regex(/^replay:.+$/, "expected 'playbook', 'anthropic[:MODEL]' or 'replay:FILE'"),
  z.strictObject({
    provider: z.literal('anthropic'),
    model: z.string().min(1),
    baseURL: z.url().optional(),
    maxRetries: z.int().min(0).max(20).optional(),
  }),
]);

const service = z.strictObject({
  repository: repositorySlug.optional(),
  baseBranch: z.string().min(1).optional(),
  /** LogQL stream selector of the service's logs; default `{job="<job label>"}`. */
  logSelector: z.string().min(1).optional(),
  /** Rate window during investigation; default computed from the alert's age. */
  window: promDuration.optional(),
});

export const configSchema = z.strictObject({
  $schema: z.string().optional(),
  /** MCP servers in the IDE format (Claude Desktop, Cursor): `{ name: { command, args, env } | { type: 'http', url } }`. */
  mcpServers: z.record(z.string(), z.unknown()).default({}),
  /** Tool host settings: per-call timeout, result size, per-server overrides (e.g. a longer sandbox timeout). */
  tools: z.strictObject({
    callTimeoutMs: z.int().positive().optional(),
    startupTimeoutMs: z.int().positive().optional(),
    maxResultBytes: z.int().min(256).optional(),
    serverOptions: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  }).default({}),
  /** 'playbook' (no LLM, the default), 'anthropic[:MODEL]', 'replay:FILE', or an Anthropic model object. */
  model: modelSpec.default('playbook'),
  /** Directory of runbook files for the playbook model; default the ones shipped with firebreak. */
  playbooks: z.string().min(1).optional(),
  /** Memory and journal URL: sqlite:PATH, postgres://…, redis://…, memory:. */
  memory: z.string().min(1).default('sqlite:.firebreak/firebreak.db'),
  approval: z.strictObject({
    /** auto: drills (recorded as auto-approved); require: wait for a human (default); deny: never. */
    policy: z.enum(['auto', 'require', 'deny']).default('require'),
    /** How long a request waits before it is rejected and escalated. */
    timeoutSeconds: z.number().positive().max(86_400).default(900),
    /** Globs of tools that need approval, replacing the default (merges, deploys, rollbacks, maintenance). */
    risky: z.array(z.string().min(1)).optional(),
  }).prefault({}),
  /** Channel and pager: `{ channel?: { tool, args } | { webhook }, page?: ... }`. */
  notifier: notifierConfig.optional(),
  /** Default repository (owner/name) for fixes and tickets. */
  repository: repositorySlug.optional(),
  baseBranch: z.string().min(1).default('main'),
  /** Per service (the alert's `service`/`job` label): repository, base branch, log selector, window. */
  services: z.record(z.string(), service).default({}),
  /** SLO checks after a deploy or rollback (default: error ratio < 0.1%, p95 < 0.5 s for 60 s within 5 min). */
  verification: verificationSchema.optional(),
  deploy: z.strictObject({
    attempts: z.int().min(1).max(5).default(2),
    backoffSeconds: z.number().min(0).max(600).default(10),
    /** After everything else failed and the pre-incident release is back: ask a human for maintenance mode, or not. */
    lastResort: z.enum(['maintenance', 'none']).default('maintenance'),
    /** How long a third-party outage (remedy `wait`) is watched before the incident escalates. */
    waitSeconds: z.number().positive().max(24 * 3600).default(900),
  }).prefault({}),
  /** Change awareness: how far back to look, what is suspect, the version metric, config files, tool names. */
  changes: changesSchema.prefault({}),
  /** The whole incident's tool-call and wall-clock budget; past it the response stops and escalates. */
  budget: incidentBudgetSchema.prefault({}),
  /** Route for alerts with no severity that the assessment could not rate either. */
  defaultSeverity: z.enum(['p0', 'p1', 'p2', 'p3']).default('p2'),
  personas: z.strictObject({
    observability: personaOverride.optional(),
    backend: personaOverride.optional(),
    devops: personaOverride.optional(),
  }).default({}),
  /** Where post-mortems are written: `<dir>/<incident id>/postmortem.md`. */
  postmortemDir: z.string().min(1).default('.firebreak/incidents'),
  /** `firebreak serve`: where it listens, how many incidents run at once, how much may wait, body limits. */
  serve: z.strictObject({
    /** Interface to bind; anything but loopback needs a bearer token (--token-file or FIREBREAK_TOKEN). */
    host: z.string().min(1).default('127.0.0.1'),
    /** 0 picks a free port (printed on start). */
    port: z.int().min(0).max(65_535).default(7346),
    /** Incidents running at once in this process (local runner) or in each worker (dbos runner). */
    concurrency: z.int().positive().max(1000).default(4),
    /** Incidents that may wait for a slot; beyond it alerts that would open one get 503 + Retry-After. */
    maxQueued: z.int().positive().max(100_000).default(100),
    /** Largest request body (an Alertmanager group with many alerts is a few KiB per alert). */
    maxBodyBytes: z.int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
    /** Retry-After of a 503 (queue full). */
    retryAfterSeconds: z.int().positive().max(3600).default(30),
    /** File holding the bearer token (FIREBREAK_TOKEN overrides); relative to the config file. */
    tokenFile: z.string().min(1).optional(),
  }).prefault({}),
  /**
   * Where `firebreak serve` and `firebreak worker --config` run incidents: `auto` (default) is `dbos` with
   * PostgreSQL memory (several processes share the work), else `local` (in the serving process).
   */
  runner: z.strictObject({
    kind: z.enum(['auto', 'local', 'dbos']).default('auto'),
    /** DBOS system database; default the memory URL (PostgreSQL). */
    database: z.string().regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// URL').optional(),
    /** Stable worker id (a restart with it resumes its runs at once); default <hostname>-<pid>. */
    executorId: z.string().regex(/^[A-Za-z0-9_.:@-]{1,200}$/, 'letters, digits, _ . : @ - only (max 200)').optional(),
    heartbeatMs: z.int().min(100).max(60_000).optional(),
    deadAfterMs: z.int().min(300).max(3_600_000).optional(),
    /** Fastest poll of the DBOS queue (default 1000 ms). */
    pollIntervalMs: z.int().min(10).max(60_000).optional(),
    /** On shutdown, how long running incidents may finish before they are left for a restart or a peer. */
    drainSeconds: z.number().min(0).max(3600).default(1),
    /** dbos only: false makes `firebreak serve` receive and queue only; `firebreak worker --config` runs the incidents. */
    execute: z.boolean().default(true),
  }).prefault({}),
});

export type FirebreakConfigInput = z.input<typeof configSchema>;
export type FirebreakConfig = z.output<typeof configSchema>;
