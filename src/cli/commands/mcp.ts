import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig, parseConfig } from '../../config/load.js';
import type { FirebreakConfig } from '../../config/schema.js';
import { DrillInputError } from '../../drills/errors.js';
import { openMcpRuntime, type McpRuntime } from '../../mcp-server/deps.js';
import { McpServeConfigError } from '../../mcp-server/errors.js';
import { checkBind, serveFirebreakHttp, serveFirebreakStdio } from '../../mcp-server/serve.js';
import type { ApprovalPolicy } from '../../workflows/approval-broker.js';
import { ModelSpecError } from '../../workflows/models.js';
import { PlaybookFileError } from '../../workflows/playbooks.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { oneOf, parseArgv, portNumber } from '../args.js';
import { untilSignal } from '../until-signal.js';

/** The port `--http` listens on unless --port says otherwise: fixed, so IDE configs can name the URL. */
export const DEFAULT_MCP_PORT = 7345;

const usage = `usage: firebreak mcp [--config FILE] [options]                  serve over stdio (what IDEs launch)
       firebreak mcp --http [--host H] [--port N] [options]   serve Streamable HTTP at http://H:N/mcp

firebreak as an MCP server for IDE chat: incident_respond / incident_status / incident_list /
incident_approve / incident_reject, persona_ask, drill_list / drill_run; incident resources
(firebreak://incidents/{id}, .../postmortem) with subscriptions; prompts triage-alert, write-postmortem.

options:
  --config FILE        firebreak.config.json (default ./${DEFAULT_CONFIG_FILE} if present; else no tools, in-memory incidents)
  --model M            personas' model: playbook | anthropic[:MODEL] | replay:FILE (default: the config's)
  --approve P          auto | require | deny (default: the config's approval.policy, require)
  --drill-model M      drills' model (default playbook: no LLM)
  --drill-out DIR      drill reports (default <config dir>/drill-reports)
  --no-elicit          never ask approvals in the client (elicitation); incidents wait for incident_approve
  --log-file FILE      logs to FILE instead of stderr (never stdout: over stdio it is the protocol)
  --http               Streamable HTTP instead of stdio
  --host H             interface to bind (default 127.0.0.1); anything else requires FIREBREAK_MCP_TOKEN
  --port N             port (default ${DEFAULT_MCP_PORT}; 0 picks a free one)
  --allowed-host H:P   Host header clients use, when it is not the bound address (repeatable)

environment: FIREBREAK_MCP_TOKEN (bearer token for --http; at least 16 characters), FIREBREAK_LOG_LEVEL (default info),
ANTHROPIC_API_KEY (for anthropic models).`;

export interface McpArgs {
  config?: string;
  model?: string;
  approve?: ApprovalPolicy;
  drillModel?: string;
  drillOut?: string;
  elicit: boolean;
  logFile?: string;
  http: boolean;
  host: string;
  port: number;
  allowedHosts: string[];
}

/** Parses `firebreak mcp` arguments; throws UsageError (exit 2) naming the bad flag. */
export function parseMcpArgs(argv: readonly string[]): McpArgs {
  const { values, given } = parseArgv(argv, {
    options: {
      http: { type: 'boolean' }, 'no-elicit': { type: 'boolean' }, config: { type: 'string' }, model: { type: 'string' },
      'drill-model': { type: 'string' }, 'drill-out': { type: 'string' }, 'log-file': { type: 'string' },
      host: { type: 'string' }, 'allowed-host': { type: 'string', multiple: true }, port: { type: 'string', check: portNumber },
      approve: { type: 'string', check: oneOf('auto', 'require', 'deny') },
    },
  });
  const http = values.http === true;
  const httpOnly = given.find((name) => name === 'host' || name === 'allowed-host' || name === 'port');
  if (!http && httpOnly !== undefined) throw new UsageError(`--${httpOnly} needs --http`);
  // Optional keys stay absent when their flag was not given; approve was checked by oneOf.
  return {
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.approve !== undefined ? { approve: values.approve as ApprovalPolicy } : {}),
    ...(values['drill-model'] !== undefined ? { drillModel: values['drill-model'] } : {}),
    ...(values['drill-out'] !== undefined ? { drillOut: values['drill-out'] } : {}),
    ...(values['log-file'] !== undefined ? { logFile: values['log-file'] } : {}),
    elicit: values['no-elicit'] !== true,
    http,
    host: values.host ?? '127.0.0.1',
    port: values.port !== undefined ? Number(values.port) : DEFAULT_MCP_PORT,
    allowedHosts: values['allowed-host'] ?? [],
  };
}

/** The config to serve: --config, else ./firebreak.config.json, else a zero-config setup (drills work; incidents have no tools). */
async function configFor(args: McpArgs, logger: Logger, env: NodeJS.ProcessEnv): Promise<{ config: FirebreakConfig; dir: string | undefined }> {
  const file = args.config ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (file) return { config: await loadConfig(file, env), dir: dirname(resolve(file)) };
  logger.warn(`no --config and no ./${DEFAULT_CONFIG_FILE}: no MCP tools for incidents, incidents kept in memory only`);
  return { config: parseConfig({ memory: 'memory:', postmortemDir: join(tmpdir(), 'firebreak-incidents') }, '<defaults>', process.cwd(), env), dir: undefined };
}

async function serve(argv: string[]): Promise<number> {
  const args = parseMcpArgs(argv);
  const token = process.env.FIREBREAK_MCP_TOKEN || undefined;
  const destination = args.logFile ? pino.destination({ dest: resolve(args.logFile), mkdir: true, sync: true }) : pino.destination(2);
  const logger = pino({ name: 'firebreak-mcp', level: process.env.FIREBREAK_LOG_LEVEL ?? 'info' }, destination);
  let runtime: McpRuntime;
  try {
    if (args.http) checkBind(args.host, token); // before opening anything: refuse fast
    // A plain copy: the tool host validates its env option as a record, which process.env itself is not.
    const env = { ...process.env };
    const { config, dir } = await configFor(args, logger, env);
    runtime = await openMcpRuntime(config, {
      env,
      ...(args.model ? { model: args.model } : {}),
      ...(args.approve ? { approve: args.approve } : {}),
      ...(args.drillModel ? { drillModel: args.drillModel } : {}),
      drillOutDir: resolve(args.drillOut ?? join(dir ?? join(tmpdir(), 'firebreak'), 'drill-reports')),
      logger,
    });
  } catch (err) {
    if (err instanceof McpServeConfigError || err instanceof ConfigError || err instanceof ModelSpecError || err instanceof PlaybookFileError || err instanceof DrillInputError) {
      process.stderr.write(`firebreak mcp: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const options = { elicitApprovals: args.elicit, logger };
  try {
    if (args.http) {
      const handle = await serveFirebreakHttp(runtime.deps, {
        ...options, host: args.host, port: args.port,
        ...(token ? { token } : {}), ...(args.allowedHosts.length ? { allowedHosts: args.allowedHosts } : {}),
      });
      logger.info({ url: handle.url, model: runtime.modelLabel, tools: runtime.toolCount, auth: token ? 'bearer' : 'none' }, 'listening');
      process.stderr.write(`firebreak mcp: serving ${handle.url}${token ? ' (bearer token required)' : ''}\n`);
      const sig = await untilSignal();
      logger.info({ signal: sig }, 'shutting down');
      await handle.close();
      return 0;
    }
    const handle = await serveFirebreakStdio(runtime.deps, options);
    logger.info({ model: runtime.modelLabel, tools: runtime.toolCount }, 'serving over stdio');
    void untilSignal().then(() => handle.close());
    await handle.closed;
    return 0;
  } finally {
    await runtime.close();
    logger.flush();
  }
}

export const mcpCommand: Command = {
  name: 'mcp',
  summary: 'serve firebreak as an MCP server for IDE chat (stdio, or Streamable HTTP with --http)',
  usage,
  run: serve,
};
