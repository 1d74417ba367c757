import type { Logger } from 'pino';
import { openMemory } from '../memory/open.js';
import type { MemoryStore } from '../memory/types.js';
import { connectTools, type ToolHost } from '../tools/host/index.js';
import type { ApprovalPolicy } from '../workflows/approval-broker.js';
import { resolveModels, type ModelSpec } from '../workflows/models.js';
import { notifierFromConfig } from '../workflows/notifier.js';
import type { PersonaName, PersonaOverride } from '../workflows/personas.js';
import { createIncidentService, type IncidentHooks, type IncidentServiceHandle } from '../workflows/service.js';
import { incidentRunnerFor } from './runner.js';
import type { FirebreakConfig } from './schema.js';

/** An incident service built from a config, with everything it opened. */
export interface ResponderRuntime {
  readonly service: IncidentServiceHandle;
  readonly tools: ToolHost;
  readonly memory: MemoryStore;
  readonly modelLabel: string;
  /** Stops running incidents (they stay resumable), disconnects the MCP servers, closes memory. */
  close(): Promise<void>;
}

export interface OpenResponderOptions {
  /** Overrides config.model (the CLI's --model). */
  model?: ModelSpec;
  /** Overrides config.approval.policy (the CLI's --approve). */
  approve?: ApprovalPolicy;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /**
   * Run incidents on the config's runner (`runner` and `serve` sections: DBOS with PostgreSQL memory), as
   * `firebreak serve` and `firebreak worker --config` do. Default false: in this process, as `firebreak
   * respond` and the MCP server do (they show progress and ask approvals in the process that runs it).
   */
  useConfiguredRunner?: boolean;
  /** Observers of the incidents this process runs (metrics). */
  hooks?: IncidentHooks;
}

/**
 * Opens what a config describes: the model(s), the MCP tool host, the memory store, and an incident service
 * over them. Used by `firebreak respond` and the MCP server.
 * Gotchas: MCP servers that fail to start are reported by `tools.status()` and their tools are missing; the
 * workflow then sees tool errors rather than a crash. Always `close()`.
 */
export async function openResponder(config: FirebreakConfig, opts: OpenResponderOptions = {}): Promise<ResponderRuntime> {
  const models = await resolveModels(opts.model ?? config.model, { ...(config.playbooks ? { playbooksDir: config.playbooks } : {}), ...(opts.env ? { env: opts.env } : {}) });
  const tools = await connectTools({
    mcpServers: config.mcpServers as never,
    ...(config.tools.callTimeoutMs ? { callTimeoutMs: config.tools.callTimeoutMs } : {}),
    ...(config.tools.startupTimeoutMs ? { startupTimeoutMs: config.tools.startupTimeoutMs } : {}),
    ...(config.tools.maxResultBytes ? { maxResultBytes: config.tools.maxResultBytes } : {}),
    ...(config.tools.serverOptions ? { serverOptions: config.tools.serverOptions as never } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.env ? { env: { ...opts.env } } : {}),
  });
  let memory: MemoryStore;
  try {
    memory = await openMemory(config.memory, opts.logger ? { logger: opts.logger } : {});
  } catch (err) {
    await tools.close();
    throw err;
  }
  const overrides: Partial<Record<PersonaName, PersonaOverride>> = {};
  for (const [name, o] of Object.entries(config.personas) as [PersonaName, NonNullable<FirebreakConfig['personas'][PersonaName]>][]) {
    overrides[name] = {
      ...(o.instructions ? { instructions: o.instructions } : {}),
      ...(o.tools ? { tools: o.tools } : {}),
      ...(o.budget ? { budget: o.budget as never } : {}),
      ...(o.maxOutputTokens ? { limits: { maxOutputTokens: o.maxOutputTokens } } : {}),
    };
  }
  let service: IncidentServiceHandle;
  try {
    service = await createIncidentService({
      tools,
      model: models.model,
      modelLabel: models.label,
      memory,
      approval: { policy: opts.approve ?? config.approval.policy, timeoutMs: config.approval.timeoutSeconds * 1000, ...(config.approval.risky ? { risky: config.approval.risky } : {}) },
      ...(config.notifier ? { notifier: notifierFromConfig(config.notifier) } : {}),
      ...(config.repository ? { repository: config.repository } : {}),
      baseBranch: config.baseBranch,
      services: config.services,
      workflow: {
        overrides,
        ...(config.verification ? { verification: config.verification } : {}),
        deploy: { deployAttempts: config.deploy.attempts, deployBackoffMs: config.deploy.backoffSeconds * 1000, lastResort: config.deploy.lastResort, waitSeconds: config.deploy.waitSeconds },
        changes: config.changes,
        budget: config.budget,
        defaultSeverity: config.defaultSeverity,
      },
      postmortemDir: config.postmortemDir,
      ...(opts.useConfiguredRunner ? { runner: incidentRunnerFor(config) } : {}),
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
      ...(opts.logger ? { logger: opts.logger } : {}),
    });
  } catch (err) {
    // A runner that cannot start (PostgreSQL down) must not leave MCP servers and connections behind.
    await tools.close().catch(() => undefined);
    await memory.close().catch(() => undefined);
    throw err;
  }
  return {
    service,
    tools,
    memory,
    modelLabel: models.label,
    async close() {
      await service.close();
      await tools.close();
      await memory.close();
    },
  };
}
