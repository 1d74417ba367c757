import { z } from 'zod';
import { promDuration, repositorySlug } from '../workflows/incident-context.js';
import { notifierConfig } from '../workflows/notifier.js';
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
    lastResort: z.enum(['maintenance', 'none']).default('maintenance'),
  }).prefault({}),
  /** Route for alerts with no severity that the assessment could not rate either. */
  defaultSeverity: z.enum(['p0', 'p1', 'p2', 'p3']).default('p2'),
  personas: z.strictObject({
    observability: personaOverride.optional(),
    backend: personaOverride.optional(),
    devops: personaOverride.optional(),
  }).default({}),
  /** Where post-mortems are written: `<dir>/<incident id>/postmortem.md`. */
  postmortemDir: z.string().min(1).default('.firebreak/incidents'),
});

export type FirebreakConfigInput = z.input<typeof configSchema>;
export type FirebreakConfig = z.output<typeof configSchema>;
