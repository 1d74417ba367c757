import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { parseArgv, portNumber } from '../args.js';
import { untilSignal } from '../until-signal.js';
import { builtinServers, ServerOptionsError } from '../../tools/servers/registry.js';
import { serveHttp, serveStdio } from '../../tools/servers/serve.js';
import { stderrLogger } from '../../primitives/logger.js';

const serverOptions = Object.entries(builtinServers)
  .map(([name, s]) => `${name} options:\n${s.usage}`)
  .join('\n\n');

const usage = `usage: firebreak tools                      list the built-in MCP servers
       firebreak tools <name> [--http PORT] [--host HOST] [--allowed-host H:P ...] [server options]

Serves one built-in MCP server over stdio (default), or over Streamable HTTP with --http PORT
(0 picks a free port; the URL is logged). HTTP binds 127.0.0.1 unless --host says otherwise; requests
whose Host header is not the bound address (or localhost) are refused, so when binding another interface
list the names clients will use with --allowed-host (repeatable).
Logs go to stderr as JSON (level: FIREBREAK_LOG_LEVEL, default info).

${serverOptions}`;

/** Splits off the transport flags (--http, --host, --allowed-host); everything else belongs to the server. */
function transportFlags(argv: string[]): { http: number | undefined; host: string; allowedHosts: string[]; rest: string[] } {
  const { values, rest } = parseArgv(argv, {
    options: { http: { type: 'string', check: portNumber }, host: { type: 'string' }, 'allowed-host': { type: 'string', multiple: true } },
    others: 'pass',
  });
  return { http: values.http !== undefined ? Number(values.http) : undefined, host: values.host ?? '127.0.0.1', allowedHosts: values['allowed-host'] ?? [], rest };
}

export const toolsCommand: Command = {
  name: 'tools',
  summary: 'list or serve the built-in MCP servers (sandbox, ...) over stdio or HTTP',
  usage,
  async run(argv) {
    const [name, ...args] = argv;
    if (name === undefined) {
      const width = Math.max(...Object.keys(builtinServers).map((n) => n.length));
      for (const [n, s] of Object.entries(builtinServers)) process.stdout.write(`${n.padEnd(width)}  ${s.summary}\n`);
      return 0;
    }
    const builtin = builtinServers[name];
    if (!builtin) throw new UsageError(`unknown server '${name}' (available: ${Object.keys(builtinServers).join(', ')})`);
    const { http, host, allowedHosts, rest } = transportFlags(args);
    const logger = stderrLogger(`firebreak-${name}`, 'info');

    let factory;
    try {
      factory = await builtin.fromArgs(rest, process.env, { logger, cwd: process.cwd() });
    } catch (err) {
      if (err instanceof ServerOptionsError) throw new UsageError(err.message);
      process.stderr.write(`firebreak tools ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }

    if (http !== undefined) {
      const handle = await serveHttp(factory, { host, port: http, logger, ...(allowedHosts.length ? { allowedHosts } : {}) });
      logger.info({ url: handle.url }, 'listening');
      const sig = await untilSignal();
      logger.info({ signal: sig }, 'shutting down');
      await handle.close();
      return 0;
    }
    const handle = await serveStdio(factory());
    void untilSignal().then(() => handle.close());
    await handle.closed;
    return 0;
  },
};
