import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { fail, ok } from '../result.js';
import { SandboxRequestError } from './errors.js';
import { LANGUAGES } from './languages.js';
import type { RunResult, Sandbox } from './sandbox.js';

export interface SandboxServerOptions {
  /** An opened sandbox (see `openSandbox`); share one between all sessions of a server. */
  sandbox: Sandbox;
  name?: string;
  version?: string;
}

const noNul = (s: string): boolean => !s.includes('\0');

const runResultShape = {
  exitCode: z.number().int().nullable().describe('exit code; null when killed by a signal'),
  signal: z.union([z.string().min(1), z.null()]).describe('the signal that ended the run (e.g. SIGKILL on timeout), or null'),
  stdout: z.string(),
  stderr: z.string(),
  stdoutTruncated: z.boolean(),
  stderrTruncated: z.boolean(),
  durationMs: z.number(),
  timedOut: z.boolean(),
  isolation: z.enum(['bwrap', 'process']),
  workspace: z.string().describe('the workspace root as the run saw it'),
  warning: z.string().optional(),
};

// Runs can change the workspace (that is their point: build, apply a fix, run tests), so the tools are not
// read-only and may be destructive to it; they never reach beyond the sandbox, hence openWorldHint false.
const annotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false };

/**
 * Builds the `sandbox` MCP server: `run_code` and `run_command` against the sandbox's workspace.
 * Cheap to call once per HTTP session; the expensive part (probing isolation) happened in `openSandbox`.
 * A non-zero exit is a normal result (a failing test run is information); only bad requests are isError.
 */
export function createSandboxServer(opts: SandboxServerOptions): McpServer {
  const { sandbox } = opts;
  const ws = sandbox.workspacePath;
  const isolationNote =
    sandbox.isolation === 'bwrap'
      ? `Runs are isolated: no network, only ${ws} is writable and persists; /tmp and HOME are fresh for each call.`
      : 'WARNING: isolation=process, runs are not sandboxed (only the environment is scrubbed).';
  const server = new McpServer(
    { name: opts.name ?? 'firebreak-sandbox', version: opts.version ?? '0.1.0' },
    { instructions: `Run code and commands in a checkout of the repository under repair (${ws}). ${isolationNote}` },
  );
  const timeoutMs = z
    .int()
    .positive()
    .max(sandbox.limits.maxTimeoutMs)
    .optional()
    .describe(`wall-clock limit in ms (default ${sandbox.limits.defaultTimeoutMs}); the whole run is killed when it expires`);

  server.registerTool(
    'run_code',
    {
      title: 'Run code',
      description:
        `Run a snippet of JavaScript, TypeScript (Node type stripping), Python 3 or Bash with the workspace root (${ws}) as cwd. ` +
        `Returns exit code, stdout/stderr (each capped at ${sandbox.limits.maxOutputBytes} bytes), durationMs and timedOut. ${isolationNote}`,
      inputSchema: {
        language: z.enum(LANGUAGES),
        code: z.string().min(1).max(1_000_000).describe('the program text'),
        timeoutMs,
      },
      outputSchema: runResultShape,
      annotations: { ...annotations, title: 'Run code' },
    },
    async (args, extra) => respond(() => sandbox.runCode({ ...args, signal: extra.signal })),
  );

  server.registerTool(
    'run_command',
    {
      title: 'Run command',
      description:
        `Run one program with arguments (no shell: use ["bash","-c","..."] for pipes) in the workspace (${ws}), ` +
        `e.g. command "npm" args ["test"]. Returns exit code, stdout/stderr (capped), durationMs and timedOut. ${isolationNote}`,
      inputSchema: {
        command: z.string().min(1).max(4096).refine(noNul, 'must not contain NUL bytes').describe('program name (looked up on PATH) or path'),
        args: z.array(z.string().max(131_072).refine(noNul, 'must not contain NUL bytes')).max(4096).optional(),
        timeoutMs,
        cwd: z.string().min(1).max(4096).refine(noNul, 'must not contain NUL bytes').optional()
          .describe('working directory relative to the workspace root (default: the root)'),
      },
      outputSchema: runResultShape,
      annotations: { ...annotations, title: 'Run command' },
    },
    async (args, extra) => respond(() => sandbox.runCommand({ ...args, signal: extra.signal })),
  );

  return server;
}

async function respond(run: () => Promise<RunResult>): Promise<CallToolResult> {
  try {
    return ok({ ...(await run()) });
  } catch (err) {
    if (err instanceof SandboxRequestError) return fail(err.message);
    return fail(`sandbox error: ${err instanceof Error ? err.message : String(err)}`);
  }
}
