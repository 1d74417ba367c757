import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ApprovalElicitor } from './approval-elicitor.js';
import { registerPrompts } from './prompts.js';
import { registerIncidentResources } from './resources.js';
import { registerSubscriptions } from './subscriptions.js';
import { registerApprovalTools } from './tools/approval-tools.js';
import { registerDrillTools } from './tools/drill-tools.js';
import { registerIncidentTools } from './tools/incident-tools.js';
import { registerPersonaTool } from './tools/persona-tool.js';
import type { FirebreakMcpDeps, FirebreakMcpOptions } from './types.js';

export const FIREBREAK_MCP_INSTRUCTIONS = `firebreak runs multi-persona incident response (observability -> backend -> devops).
Start with incident_respond on an alert, then follow it with incident_status or the firebreak://incidents/{id} resource.
Risky actions (merge, deploy, rollback) wait for a human: approve or reject them with incident_approve / incident_reject, only on the user's word.
persona_ask puts one question to one persona; drill_list / drill_run run incident drills in a local lab.`;

/**
 * Creates the firebreak MCP server for ONE session (stdio: one; Streamable HTTP: one per session, all
 * sharing `deps`).
 *
 * When to use: `firebreak mcp` does it for you (see serve.ts); call it yourself to embed the server, e.g. over
 * an InMemoryTransport in tests or another transport.
 * What it does: registers the tools (incident_respond/status/list/approve/reject, persona_ask, drill_list,
 * drill_run), the incident resources with subscriptions, the prompts (triage-alert, write-postmortem), asks
 * approvals by elicitation for incidents this session starts, and releases its listeners when the session closes.
 * Gotchas: `deps` are shared and outlive the session: the server never closes them. Unknown tools answer
 * with JSON-RPC error -32602, as the spec says (the SDK alone would answer with an isError result).
 */
export function createFirebreakMcpServer(deps: FirebreakMcpDeps, opts: FirebreakMcpOptions = {}): McpServer {
  const server = new McpServer(
    { name: opts.name ?? 'firebreak', version: opts.version ?? '0.1.0', title: 'firebreak incident response' },
    {
      // tools and prompts are declared by their registration, after guardUnknownTools is in place (declaring them
      // here would make the SDK install its tools/call handler in the constructor, before the guard).
      capabilities: { resources: { subscribe: true, listChanged: true }, logging: {} },
      instructions: FIREBREAK_MCP_INSTRUCTIONS,
    },
  );
  const known = new Set<string>();
  guardUnknownTools(server, known);

  const elicitor = new ApprovalElicitor(server.server, deps.incidents, {
    timeoutMs: opts.elicitationTimeoutMs ?? 15 * 60_000,
    logger: deps.logger,
  });
  const session = {
    adopt: (id: string): void => (opts.elicitApprovals === false ? undefined : elicitor.adopt(id)),
    statusEvents: opts.statusEvents ?? 10,
  };

  const tools = [
    ...registerIncidentTools(server, deps, session),
    ...registerApprovalTools(server, deps),
    ...registerPersonaTool(server, deps),
    ...registerDrillTools(server, deps),
  ];
  for (const name of tools) known.add(name);
  registerIncidentResources(server, deps.incidents);
  const disposeSubscriptions = registerSubscriptions(server, deps.incidents, { coalesceMs: opts.notifyCoalesceMs ?? 250, logger: deps.logger });
  registerPrompts(server, deps.incidents);

  const previous = server.server.onclose;
  server.server.onclose = () => {
    previous?.();
    elicitor.close();
    disposeSubscriptions();
    deps.logger?.debug('mcp session closed');
  };
  return server;
}

/**
 * Makes tools/call for a name the server does not have a protocol error (-32602, "Unknown tool"), as the MCP
 * spec's error section prescribes, instead of the SDK's isError result — while every known tool keeps the
 * SDK's handling (argument validation, output validation, errors as results). It wraps the handler the
 * McpServer installs, through the low-level server's public setRequestHandler.
 */
function guardUnknownTools(server: McpServer, known: ReadonlySet<string>): void {
  const low = server.server;
  const setRequestHandler = low.setRequestHandler.bind(low) as (schema: unknown, handler: (req: unknown, extra: unknown) => unknown) => void;
  low.setRequestHandler = ((schema: unknown, handler: (req: { params: { name: string } }, extra: unknown) => unknown) => {
    if (schema !== CallToolRequestSchema) return setRequestHandler(schema, handler as (req: unknown, extra: unknown) => unknown);
    return setRequestHandler(schema, (req: unknown, extra: unknown) => {
      const name = (req as { params: { name: string } }).params.name;
      if (!known.has(name)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
      return handler(req as { params: { name: string } }, extra);
    });
  }) as typeof low.setRequestHandler;
}
