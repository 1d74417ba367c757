import { pino } from 'pino';
import { startScratchForge, type Forge } from '../../../src/lab/forge/index.js';
import { personaDesk } from '../../../src/mcp-server/persona-desk.js';
import type { FirebreakMcpDeps, DrillDesk } from '../../../src/mcp-server/types.js';
import type { ChatModel } from '../../../src/models/types.js';
import { backend } from '../../../src/personas/builtin/backend.js';
import { devops } from '../../../src/personas/builtin/devops.js';
import { observability } from '../../../src/personas/builtin/observability.js';
import type { PersonaStep } from '../../../src/personas/persona.js';
import { connectTools, type ToolHost } from '../../../src/tools/host/index.js';
import { createGithubServer } from '../../../src/tools/servers/github/index.js';
import { serveHttp, type HttpServerHandle } from '../../../src/tools/servers/serve.js';
import { DEFAULT_RISKY } from '../../../src/workflows/approval-gate.js';
import type { MemoryStore } from '../../../src/memory/types.js';
import type { IncidentRunnerOptions } from '../../../src/workflows/incident-runner.js';
import { createIncidentService, type IncidentHooks, type IncidentServiceHandle } from '../../../src/workflows/service.js';

/**
 * The world the MCP server is tested in: a real git forge (GitHub REST), the real github MCP server over
 * real Streamable HTTP, the real tool host, and the real incident service. Filing a ticket
 * (`github.issue_write`) is made risky so that a p3 incident — which needs no model — waits for approval:
 * the approval paths run end to end without an LLM. Personas get a model per test (scripted).
 */
export interface World {
  forge: Forge;
  tools: ToolHost;
  incidents: IncidentServiceHandle;
  deps(drills: DrillDesk, model?: ChatModel): FirebreakMcpDeps;
  close(): Promise<void>;
}

export const quiet = pino({ level: 'silent' });

export const REPO = { owner: 'acme', repo: 'workflows-api' };

/** A p3 alert: the workflow files a ticket (github.issue_write), which waits for approval here. */
export function p3Alert(title = 'Disk usage above 80% on workflows-api'): Record<string, unknown> {
  return {
    title,
    severity: 'p3',
    labels: { alertname: 'DiskUsageHigh', service: 'workflows-api' },
    annotations: { summary: title, description: 'The data volume is 82% full.' },
  };
}

export async function startWorld(opts: { approvalTimeoutMs?: number; runner?: IncidentRunnerOptions; memory?: MemoryStore; hooks?: IncidentHooks } = {}): Promise<World> {
  const forge = await startScratchForge({ ...REPO, files: { 'README.md': '# workflows-api\n', 'service.config.json': '{ "pool": { "size": 10 } }\n' } });
  let github: HttpServerHandle | undefined;
  let tools: ToolHost | undefined;
  try {
    github = await serveHttp(() => createGithubServer({ apiUrl: forge.url }, { logger: quiet }), { logger: quiet });
    tools = await connectTools({ mcpServers: { github: { type: 'http', url: github.url } }, logger: quiet });
    const incidents = await createIncidentService({
      tools,
      // A p3 with a severity runs no persona: any model call would be a test bug, and says so.
      model: () => undefined,
      modelLabel: 'none (p3 ticket route)',
      approval: { policy: 'require', risky: [...DEFAULT_RISKY, 'github.issue_write'], timeoutMs: opts.approvalTimeoutMs ?? 60_000 },
      repository: `${REPO.owner}/${REPO.repo}`,
      journal: false,
      logger: quiet,
      ...(opts.runner ? { runner: opts.runner } : {}),
      ...(opts.memory ? { memory: opts.memory } : {}),
      ...(opts.hooks ? { hooks: opts.hooks } : {}),
    });
    const hostTools = tools;
    const githubHandle = github;
    return {
      forge,
      tools: hostTools,
      incidents,
      deps: (drills, model) => ({
        incidents,
        drills,
        logger: quiet,
        personas: personaDesk({
          personas: [observability(), backend(), devops()] as unknown as PersonaStep<unknown>[],
          model: model ?? (() => undefined),
          tools: hostTools,
          incidents,
          context: { repository: `${REPO.owner}/${REPO.repo}` },
          logger: quiet,
        }),
      }),
      async close() {
        await incidents.close();
        await hostTools.close();
        await githubHandle.close();
        await forge.stop();
      },
    };
  } catch (err) {
    await tools?.close();
    await github?.close();
    await forge.stop();
    throw err;
  }
}
