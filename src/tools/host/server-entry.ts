import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { z } from 'zod';
import type { ExpansionIssue } from './env-expand.js';

/**
 * One entry of `mcpServers`, in the format IDE clients already use, plus three in-process forms for tests
 * and embedding. Unknown keys IDEs add (`disabled`, `autoApprove`, `description`, …) are accepted and ignored
 * so a config can be shared with Claude Desktop, Cursor or VS Code unchanged.
 */
export type ServerEntry =
  | { type?: 'stdio'; command: string; args?: string[]; env?: Record<string, string>; cwd?: string; disabled?: boolean }
  | { type?: 'http' | 'streamable-http' | 'streamableHttp'; url: string; headers?: Record<string, string>; disabled?: boolean }
  /** A transport (or a factory, so the host can reconnect) — e.g. one side of an InMemoryTransport pair. */
  | { transport: Transport | (() => Transport | Promise<Transport>) }
  /** An SDK Client; connected by the host if it is not yet. The host cannot reconnect a client it was given. */
  | { client: Client }
  /** An MCP server to run in-process over an in-memory transport (a factory lets the host reconnect). */
  | { server: McpServer | (() => McpServer | Promise<McpServer>) };

export type ResolvedServer =
  | { kind: 'stdio'; command: string; args: string[]; env: Record<string, string>; cwd?: string }
  | { kind: 'http'; url: string; headers: Record<string, string> }
  | { kind: 'transport'; transport: Transport | (() => Transport | Promise<Transport>) }
  | { kind: 'client'; client: Client }
  | { kind: 'server'; server: McpServer | (() => McpServer | Promise<McpServer>) };

const stringMap = z.record(z.string(), z.string());

const stdioSchema = z.object({
  type: z.literal('stdio').optional(),
  command: z.string().min(1),
  args: z.array(z.string()).default([]),
  env: stringMap.default({}),
  cwd: z.string().min(1).optional(),
});

const httpSchema = z.object({
  type: z.enum(['http', 'streamable-http', 'streamableHttp']).optional(),
  url: z.string().min(1),
  headers: stringMap.default({}),
});

/** Parses one entry; issues are reported under `path`. Returns undefined when the entry is invalid. */
export function parseEntry(raw: unknown, path: string, issues: ExpansionIssue[]): ResolvedServer | { kind: 'disabled' } | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    issues.push({ path, message: 'expected an object with command (stdio) or url (http)' });
    return undefined;
  }
  const entry = raw as Record<string, unknown>;
  if (entry.disabled === true) return { kind: 'disabled' };
  if ('transport' in entry) return inProcess(entry.transport, 'transport', path, issues, isTransportLike);
  if ('client' in entry) return inProcess(entry.client, 'client', path, issues, isClientLike);
  if ('server' in entry) return inProcess(entry.server, 'server', path, issues, isServerLike);
  if (entry.type === 'sse') {
    issues.push({ path: `${path}.type`, message: "the deprecated SSE transport is not supported; use Streamable HTTP ('type': 'http')" });
    return undefined;
  }
  const isHttp = entry.url !== undefined || (typeof entry.type === 'string' && entry.type !== 'stdio');
  const parsed = (isHttp ? httpSchema : stdioSchema).safeParse(entry);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      issues.push({ path: [path, ...issue.path.map(String)].join('.'), message: issue.message });
    }
    return undefined;
  }
  if (isHttp) {
    const http = parsed.data as z.output<typeof httpSchema>;
    return { kind: 'http', url: http.url, headers: http.headers };
  }
  const stdio = parsed.data as z.output<typeof stdioSchema>;
  return { kind: 'stdio', command: stdio.command, args: stdio.args, env: stdio.env, ...(stdio.cwd ? { cwd: stdio.cwd } : {}) };
}

function inProcess<K extends 'transport' | 'client' | 'server'>(
  value: unknown,
  kind: K,
  path: string,
  issues: ExpansionIssue[],
  check: (v: unknown) => boolean,
): ResolvedServer | undefined {
  if (typeof value === 'function' || check(value)) return { kind, [kind]: value } as unknown as ResolvedServer;
  issues.push({ path: `${path}.${kind}`, message: `expected an MCP ${kind} or a function returning one` });
  return undefined;
}

function isTransportLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as Transport).start === 'function' && typeof (v as Transport).send === 'function';
}

function isClientLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as Client).callTool === 'function';
}

function isServerLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as McpServer).connect === 'function';
}
