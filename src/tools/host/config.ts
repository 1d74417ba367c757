import type { Logger } from 'pino';
import { z } from 'zod';
import { expandEnvMap, expandEnvRefs, type ExpansionIssue } from './env-expand.js';
import { ToolHostConfigError } from './errors.js';
import { parseEntry, type ResolvedServer, type ServerEntry } from './server-entry.js';

/** Server names become the `server.` prefix of tool names, so they cannot contain dots. */
const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

const retrySchema = z.strictObject({
  /** Total tries for a read-only tool (1 = no retry). Tools without readOnlyHint are never retried. */
  attempts: z.int().min(1).max(10).default(3),
  initialDelayMs: z.int().min(0).default(200),
  maxDelayMs: z.int().min(0).default(2_000),
});

const breakerSchema = z.strictObject({
  /** Consecutive failures (timeouts, dropped connections) that open the server's circuit. */
  failureThreshold: z.int().min(1).default(5),
  /** How long an open circuit fails fast before one probe call is let through. */
  halfOpenAfterMs: z.int().positive().default(10_000),
});

const bulkheadSchema = z.strictObject({
  /** Calls in flight to one server at a time. */
  concurrency: z.int().min(1).default(8),
  /** Calls waiting for a slot; beyond it calls are rejected at once (backpressure). */
  queue: z.int().min(0).default(32),
});

const perServerSchema = z.strictObject({
  callTimeoutMs: z.int().positive().optional(),
  maxResultBytes: z.int().min(256).optional(),
  retry: retrySchema.partial().optional(),
  breaker: breakerSchema.partial().optional(),
  bulkhead: bulkheadSchema.partial().optional(),
});

const optionsSchema = z.strictObject({
  /** The IDE format: `{ name: { command, args, env, cwd } }` or `{ name: { type: 'http', url, headers } }`. */
  mcpServers: z.record(z.string(), z.unknown()).optional(),
  /** VS Code's spelling of mcpServers (.vscode/mcp.json). */
  servers: z.record(z.string(), z.unknown()).optional(),
  /** Per-call deadline; on expiry the server is sent notifications/cancelled. */
  callTimeoutMs: z.int().positive().default(30_000),
  /** Deadline for starting a server and listing its tools. */
  startupTimeoutMs: z.int().positive().default(20_000),
  /** Results larger than this (UTF-8 bytes of text + structuredContent) are truncated with a marker. */
  maxResultBytes: z.int().min(256).default(64 * 1024),
  retry: retrySchema.prefault({}),
  breaker: breakerSchema.prefault({}),
  bulkhead: bulkheadSchema.prefault({}),
  /** Backoff between reconnect attempts to a server that exited or dropped its connection. */
  reconnect: z.strictObject({
    initialDelayMs: z.int().min(0).default(500),
    maxDelayMs: z.int().min(0).default(30_000),
  }).prefault({}),
  /** Overrides per server name, e.g. a longer callTimeoutMs for a sandbox that runs test suites. */
  serverOptions: z.record(z.string(), perServerSchema).default({}),
  /** Extra literal secrets to redact from results (values of secret env vars are always redacted). */
  secrets: z.array(z.string()).default([]),
  /** Environment for `${VAR}` expansion and secret redaction; default process.env. */
  // process.env is not a plain object (zod's record rejects it), so any object of strings is accepted.
  env: z
    .custom<NodeJS.ProcessEnv>((v) => typeof v === 'object' && v !== null && Object.values(v).every((x) => x === undefined || typeof x === 'string'), 'expected an object of strings (an environment)')
    .optional(),
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null && typeof (v as Logger).child === 'function', 'expected a pino logger').optional(),
});

export type ToolHostConfig = Omit<z.input<typeof optionsSchema>, 'mcpServers' | 'servers'> & {
  mcpServers?: Record<string, ServerEntry>;
  servers?: Record<string, ServerEntry>;
};

export interface ServerPolicy {
  callTimeoutMs: number;
  maxResultBytes: number;
  retry: z.output<typeof retrySchema>;
  breaker: z.output<typeof breakerSchema>;
  bulkhead: z.output<typeof bulkheadSchema>;
}

export interface ResolvedHostConfig {
  servers: { name: string; server: ResolvedServer; policy: ServerPolicy }[];
  startupTimeoutMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  secrets: string[];
  env: NodeJS.ProcessEnv;
  logger: Logger | undefined;
}

/**
 * Validates a tool host config and resolves it: `${VAR}` expanded, defaults filled in, each server's policy
 * merged from the global settings and its `serverOptions` entry.
 * Throws ToolHostConfigError naming every bad field (e.g. `mcpServers.github.env.GITHUB_TOKEN: ...`).
 */
export function resolveHostConfig(input: unknown): ResolvedHostConfig {
  const parsed = optionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ToolHostConfigError(parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  }
  const opts = parsed.data;
  const env: NodeJS.ProcessEnv = opts.env ?? process.env;
  const issues: ExpansionIssue[] = [];
  const key = opts.mcpServers ? 'mcpServers' : 'servers';
  const entries = opts.mcpServers ?? opts.servers ?? {};
  if (opts.mcpServers && opts.servers) issues.push({ path: 'servers', message: 'give either mcpServers or servers, not both' });
  const servers: ResolvedHostConfig['servers'] = [];
  for (const [name, raw] of Object.entries(entries)) {
    const path = `${key}.${name}`;
    if (!SERVER_NAME.test(name)) {
      issues.push({ path, message: "server names may contain only letters, digits, '_' and '-' (tools are named 'server.tool')" });
      continue;
    }
    const server = parseEntry(raw, path, issues);
    if (!server || server.kind === 'disabled') continue;
    servers.push({ name, server: expandServer(server, env, path, issues), policy: policyFor(opts, name) });
  }
  for (const name of Object.keys(opts.serverOptions)) {
    if (!(name in entries)) issues.push({ path: `serverOptions.${name}`, message: `no server named '${name}' is configured` });
  }
  if (issues.length > 0) throw new ToolHostConfigError(issues);
  return {
    servers,
    startupTimeoutMs: opts.startupTimeoutMs,
    reconnect: opts.reconnect,
    secrets: opts.secrets,
    env,
    logger: opts.logger,
  };
}

function policyFor(opts: z.output<typeof optionsSchema>, name: string): ServerPolicy {
  const own = opts.serverOptions[name];
  return {
    callTimeoutMs: own?.callTimeoutMs ?? opts.callTimeoutMs,
    maxResultBytes: own?.maxResultBytes ?? opts.maxResultBytes,
    retry: { ...opts.retry, ...stripUndefined(own?.retry) },
    breaker: { ...opts.breaker, ...stripUndefined(own?.breaker) },
    bulkhead: { ...opts.bulkhead, ...stripUndefined(own?.bulkhead) },
  };
}

function stripUndefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function expandServer(server: ResolvedServer, env: NodeJS.ProcessEnv, path: string, issues: ExpansionIssue[]): ResolvedServer {
  switch (server.kind) {
    case 'stdio':
      return {
        ...server,
        command: expandEnvRefs(server.command, env, `${path}.command`, issues),
        args: server.args.map((a, i) => expandEnvRefs(a, env, `${path}.args.${i}`, issues)),
        env: expandEnvMap(server.env, env, `${path}.env`, issues),
        ...(server.cwd !== undefined ? { cwd: expandEnvRefs(server.cwd, env, `${path}.cwd`, issues) } : {}),
      };
    case 'http': {
      const url = expandEnvRefs(server.url, env, `${path}.url`, issues);
      if (!URL.canParse(url)) issues.push({ path: `${path}.url`, message: `not a valid URL: '${url}'` });
      return { ...server, url, headers: expandEnvMap(server.headers, env, `${path}.headers`, issues) };
    }
    default:
      return server;
  }
}
