import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolSpec } from '../types.js';

/** A tool as the host holds it: the persona-facing spec plus what the host needs to call it. */
export interface HostedTool {
  spec: ToolSpec;
  /** The name the server knows it by (without the `server.` prefix). */
  remoteName: string;
  /** Only tools the server marks readOnlyHint are retried. */
  readOnly: boolean;
  /** The tool takes an `idempotencyKey` argument (the built-in write tools do): the host fills it in. */
  takesIdempotencyKey: boolean;
}

const MAX_TOOL_PAGES = 100;

/** Every tool of a server (following tools/list pagination), keyed by its qualified `server.tool` name. */
export async function listServerTools(client: Client, server: string, timeoutMs: number): Promise<Map<string, HostedTool>> {
  const tools = new Map<string, HostedTool>();
  let cursor: string | undefined;
  for (let page = 0; page < MAX_TOOL_PAGES; page++) {
    const result = await client.listTools(cursor ? { cursor } : {}, { timeout: timeoutMs });
    for (const tool of result.tools) tools.set(`${server}.${tool.name}`, hostedTool(server, tool));
    cursor = result.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

function hostedTool(server: string, tool: Tool): HostedTool {
  const spec: ToolSpec = {
    name: `${server}.${tool.name}`,
    description: tool.description ?? tool.title ?? tool.annotations?.title ?? '',
    inputSchema: tool.inputSchema as Record<string, unknown>,
  };
  if (tool.outputSchema) spec.outputSchema = tool.outputSchema as Record<string, unknown>;
  if (tool.annotations) spec.annotations = { ...tool.annotations };
  const properties = (tool.inputSchema as { properties?: Record<string, unknown> }).properties;
  return {
    spec,
    remoteName: tool.name,
    readOnly: tool.annotations?.readOnlyHint === true,
    takesIdempotencyKey: properties !== undefined && Object.hasOwn(properties, 'idempotencyKey'),
  };
}
