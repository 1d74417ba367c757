import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Logger } from 'pino';
import { githubBuiltin } from './github/index.js';
import { grafanaBuiltin } from './grafana/index.js';
import { createSandboxServer, openSandbox, parseSandboxArgs, SANDBOX_USAGE, SandboxConfigError } from './sandbox/index.js';

/** Bad command-line options for a built-in server; `firebreak tools` prints it with the usage and exits 2. */
export class ServerOptionsError extends Error {
  override readonly name = 'ServerOptionsError';
}

export interface BuiltinServerContext {
  /** Logs go to stderr: over stdio, stdout is the protocol. */
  logger: Logger;
  /** Default for path options (e.g. the sandbox workspace). */
  cwd: string;
}

/** A built-in MCP server as `firebreak tools <name>` starts it. */
export interface BuiltinServer {
  /** One line for `firebreak tools`. */
  readonly summary: string;
  /** The server's own options, one per line, as printed by `firebreak tools --help`. */
  readonly usage: string;
  /**
   * Parses options and environment, does the one-time setup (probes, connections), and returns a factory:
   * stdio calls it once, Streamable HTTP once per session. Throws ServerOptionsError for bad options;
   * any other error means the server cannot run here (the message says why and what to do).
   */
  fromArgs(argv: string[], env: NodeJS.ProcessEnv, ctx?: BuiltinServerContext): Promise<() => McpServer>;
}

const sandbox: BuiltinServer = {
  summary: 'run code and commands against a workspace checkout, isolated with bubblewrap (run_code, run_command)',
  usage: SANDBOX_USAGE,
  async fromArgs(argv, _env, ctx) {
    // The environment is deliberately not read: nothing from it may reach a sandboxed run.
    const cwd = ctx?.cwd ?? process.cwd();
    try {
      const config = parseSandboxArgs(argv, cwd);
      const box = await openSandbox(config, ctx?.logger ? { logger: ctx.logger } : {});
      return () => createSandboxServer({ sandbox: box });
    } catch (err) {
      if (err instanceof SandboxConfigError) throw new ServerOptionsError(err.message);
      throw err;
    }
  },
};

/**
 * The built-in servers by name. The github and grafana servers are added by their owners with one line
 * each (`github: githubServer,` / `grafana: grafanaServer,`), keeping this map the single list the CLI reads.
 */
export const builtinServers: Readonly<Record<string, BuiltinServer>> = {
  sandbox,
  github: githubBuiltin(ServerOptionsError),
  grafana: grafanaBuiltin(ServerOptionsError),
};
