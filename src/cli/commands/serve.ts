import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pino } from 'pino';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load.js';
import { McpServeConfigError } from '../../mcp-server/errors.js';
import { MemoryUnavailableError } from '../../memory/errors.js';
import { RunnerConfigError } from '../../runners/errors.js';
import { openServe, resolveToken, TokenFileError } from '../../serve/index.js';
import type { ApprovalPolicy } from '../../workflows/approval-broker.js';
import { ModelSpecError } from '../../workflows/models.js';
import { PlaybookFileError } from '../../workflows/playbooks.js';
import { oneOf, parseArgv, portNumber } from '../args.js';
import { UsageError, type Command } from '../command.js';
import { untilSignal } from '../until-signal.js';

const usage = `usage: firebreak serve [--config FILE] [--host H] [--port N] [--token-file F] [options]

Receives alerts over HTTP, deduplicates them by fingerprint and runs each incident durably:
  POST /api/v1/alerts/alertmanager   Alertmanager webhook_configs (version 4)
  POST /api/v1/alerts/grafana        Grafana webhook contact point
  POST /api/v1/alerts                any alert \`firebreak respond --alert\` accepts
  GET  /api/v1/incidents[/ID]        history; POST /api/v1/incidents/ID/approve decides an approval
  GET  /healthz, GET /metrics        health, Prometheus metrics
A repeat of a firing alert joins its incident; a resolved notification marks the alert resolved on it.
Incidents run in this process (bounded, p0 first; resumed after a crash) or, with PostgreSQL memory, on
DBOS queues shared with other \`firebreak serve\` / \`firebreak worker --config\` processes. See docs/alerts.md.

options:
  --config FILE      firebreak.config.json (default ./${DEFAULT_CONFIG_FILE})
  --host H           interface to bind (default: serve.host, 127.0.0.1); anything else needs a token
  --port N           port (default: serve.port, 7346; 0 picks a free one)
  --token-file F     file holding the bearer token (or FIREBREAK_TOKEN; at least 16 characters); when set,
                     every request needs "Authorization: Bearer <token>", on any bind
  --model M          playbook | anthropic[:MODEL] | replay:FILE (default: the config's model)
  --approve P        auto | require | deny (default: the config's approval.policy)

Prints one JSON line on stdout when ready ({"event":"serve.ready","url":...}) and one when stopped.
exit status: 0 stopped by SIGTERM/SIGINT, 2 bad flags or configuration.`;

interface ServeArgs {
  config?: string;
  host?: string;
  port?: number;
  tokenFile?: string;
  model?: string;
  approve?: ApprovalPolicy;
}

/** Parses `firebreak serve` arguments; throws UsageError (exit 2) naming the bad flag. */
export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const { values } = parseArgv(argv, {
    options: {
      config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string', check: portNumber },
      'token-file': { type: 'string' }, model: { type: 'string' }, approve: { type: 'string', check: oneOf('auto', 'require', 'deny') },
    },
  });
  return {
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values.host !== undefined ? { host: values.host } : {}),
    ...(values.port !== undefined ? { port: Number(values.port) } : {}),
    ...(values['token-file'] !== undefined ? { tokenFile: resolve(values['token-file']) } : {}),
    ...(values.model !== undefined ? { model: values.model } : {}),
    ...(values.approve !== undefined ? { approve: values.approve as ApprovalPolicy } : {}),
  };
}

/** Errors that are the user's input, not a crash: printed as one line, exit 2. */
const INPUT_ERRORS = [ConfigError, McpServeConfigError, ModelSpecError, PlaybookFileError, TokenFileError, RunnerConfigError, MemoryUnavailableError];

async function serve(argv: string[]): Promise<number> {
  const args = parseServeArgs(argv);
  const configFile = args.config ?? DEFAULT_CONFIG_FILE;
  if (!args.config && !existsSync(configFile)) {
    process.stderr.write(`firebreak serve: no ${DEFAULT_CONFIG_FILE} here; pass --config FILE (see docs/config.md)\n`);
    return 2;
  }
  const logger = pino({ name: 'firebreak-serve', level: process.env.FIREBREAK_LOG_LEVEL ?? 'info' }, pino.destination(2));
  const env = { ...process.env };
  let runtime;
  try {
    const config = await loadConfig(configFile, env);
    const token = await resolveToken({ ...(args.tokenFile ? { tokenFile: args.tokenFile } : {}), env, config });
    runtime = await openServe(config, {
      ...(args.host ? { host: args.host } : {}), ...(args.port !== undefined ? { port: args.port } : {}),
      ...(token ? { token } : {}), ...(args.model ? { model: args.model } : {}), ...(args.approve ? { approve: args.approve } : {}),
      logger, env,
    });
  } catch (err) {
    if (INPUT_ERRORS.some((E) => err instanceof E)) {
      process.stderr.write(`firebreak serve: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
  process.stdout.write(JSON.stringify({ event: 'serve.ready', url: runtime.url, runner: runtime.runner, recovered: runtime.recovered, pid: process.pid }) + '\n');
  logger.info({ url: runtime.url, runner: runtime.runner, recovered: runtime.recovered }, 'serving');
  const signal = await untilSignal();
  logger.info({ signal }, 'shutting down: running incidents stay resumable');
  // A second signal during shutdown stops waiting.
  const force = (): void => process.exit(130);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  await runtime.close();
  process.stdout.write(JSON.stringify({ event: 'serve.stopped', pid: process.pid }) + '\n');
  logger.flush();
  return 0;
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'receive Alertmanager/Grafana alerts over HTTP, deduplicate them and run each incident durably',
  usage,
  run: serve,
};
