import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { openResponder, type ResponderRuntime } from '../config/runtime.js';
import type { FirebreakConfig } from '../config/schema.js';
import { checkBind } from '../mcp-server/serve.js';
import type { ApprovalPolicy } from '../workflows/approval-broker.js';
import { AlertIntake } from '../workflows/alert-intake.js';
import { INCIDENT_QUEUE } from '../workflows/incident-runner.js';
import type { ModelSpec } from '../workflows/models.js';
import { ServeMetrics } from './metrics.js';
import { startAlertServer, type AlertServerHandle } from './server.js';

export { startAlertServer, DEFAULT_SERVE_PORT, type AlertServerOptions, type AlertServerDeps, type AlertServerHandle } from './server.js';
export { ServeMetrics, type MetricSources } from './metrics.js';

export interface OpenServeOptions {
  /** Override config.serve.host / port. */
  host?: string;
  port?: number;
  /** The bearer token and where it came from (for messages). */
  token?: { value: string; source: string };
  model?: ModelSpec;
  approve?: ApprovalPolicy;
  logger: Logger;
  env?: NodeJS.ProcessEnv;
}

export interface ServeRuntime {
  readonly url: string;
  readonly server: AlertServerHandle;
  readonly responder: ResponderRuntime;
  readonly metrics: ServeMetrics;
  /** Incidents a dead process left unfinished that this one resumed on start. */
  readonly recovered: string[];
  readonly runner: 'local' | 'dbos';
  /** Stops the HTTP server, then the incidents (they stay resumable), the MCP servers and memory. */
  close(): Promise<void>;
}

/**
 * Reads the bearer token: `--token-file`, else FIREBREAK_TOKEN, else the config's serve.tokenFile. The
 * file's content is trimmed (a trailing newline is not part of the token). Returns undefined when none is set.
 */
export async function resolveToken(opts: { tokenFile?: string; env: NodeJS.ProcessEnv; config: FirebreakConfig }): Promise<{ value: string; source: string } | undefined> {
  const file = opts.tokenFile ?? (opts.env.FIREBREAK_TOKEN ? undefined : opts.config.serve.tokenFile);
  if (file) {
    const source = opts.tokenFile ? `--token-file ${file}` : `serve.tokenFile ${file}`;
    let value: string;
    try {
      value = (await readFile(file, 'utf8')).trim();
    } catch (err) {
      throw new TokenFileError(`${source}: cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    if (value === '') throw new TokenFileError(`${source}: the file is empty`);
    return { value, source };
  }
  return opts.env.FIREBREAK_TOKEN ? { value: opts.env.FIREBREAK_TOKEN, source: 'FIREBREAK_TOKEN' } : undefined;
}

/** The token file is missing, unreadable or empty. */
export class TokenFileError extends Error {
  override readonly name = 'TokenFileError';
}

/**
 * Opens everything `firebreak serve` runs from a config: the incident service on the configured runner (local,
 * or DBOS with PostgreSQL memory) with metrics hooks, the alert intake, and the HTTP API; then resumes the
 * incidents a dead process left unfinished.
 * Gotchas: refuses a non-loopback bind without a token before starting anything (McpServeConfigError);
 * with the dbos runner, one per process (DBOS is a singleton). Always close().
 */
export async function openServe(config: FirebreakConfig, opts: OpenServeOptions): Promise<ServeRuntime> {
  const host = opts.host ?? config.serve.host;
  checkBind(host, opts.token?.value, opts.token?.source ?? 'FIREBREAK_TOKEN');
  let responder: ResponderRuntime | undefined;
  const metrics = new ServeMetrics({
    pendingApprovals: async () => (responder ? (await responder.service.pendingApprovals()).length : 0),
    queueDepth: async () => (responder ? responder.service.runner.depth(INCIDENT_QUEUE) : { waiting: 0, running: 0 }),
  });
  responder = await openResponder(config, {
    ...(opts.model ? { model: opts.model } : {}), ...(opts.approve ? { approve: opts.approve } : {}),
    logger: opts.logger, ...(opts.env ? { env: opts.env } : {}), useConfiguredRunner: true, hooks: metrics.hooks(),
  });
  const service = responder.service;
  const intake = new AlertIntake({ service, memory: responder.memory, logger: opts.logger });
  let server: AlertServerHandle;
  try {
    server = await startAlertServer({
      service, intake, metrics,
      health: async () => ({ runner: service.runner.kind, queue: await service.runner.depth(INCIDENT_QUEUE) }),
    }, {
      host, port: opts.port ?? config.serve.port, maxBodyBytes: config.serve.maxBodyBytes, retryAfterSeconds: config.serve.retryAfterSeconds,
      ...(opts.token ? { token: opts.token.value, tokenSource: opts.token.source } : {}), logger: opts.logger,
    });
  } catch (err) {
    await responder.close();
    throw err;
  }
  const recovered = await service.recover();
  const opened = responder;
  return {
    url: server.url, server, responder: opened, metrics, recovered, runner: service.runner.kind,
    async close() {
      await server.close();
      await opened.close();
    },
  };
}
