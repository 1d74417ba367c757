#!/usr/bin/env node
import './quiet-sqlite-warning.js';
import { parseArgs } from 'node:util';
import { pino, type Logger } from 'pino';
import { exitWithParent } from '../process.js';
import { loadServiceConfig } from './config.js';
import { EXIT_CONFIG, EXIT_STARTUP, EXIT_USAGE, ServiceConfigError, StartupDependencyMissingError } from './errors.js';
import { createTargetService, type TargetService } from './service.js';
import { checkStartupRequirements, readEnvironment, readProvides } from './startup.js';

const USAGE = `usage: node dist/lab/target/main.js --config <service.config.json> [--port 0] [--host 127.0.0.1]
       [--log <file>] [--data <dir>] [--provides <file>] [--revision <sha>]

Prints {"port":N} on stdout once listening; logs JSON lines to --log (stderr if omitted).
The environment's dependencies come from --provides or FIREBREAK_LAB_PROVIDES (JSON name->url, or a
comma-separated list of names). Exit codes: 0 clean stop, 1 startup check failed or crash, 64 usage, 78 bad config.`;

function parseCli(argv: string[]) {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      config: { type: 'string' },
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: '127.0.0.1' },
      log: { type: 'string' },
      data: { type: 'string' },
      provides: { type: 'string' },
      revision: { type: 'string' },
    },
  });
  if (!values.config) throw new TypeError('--config is required');
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`--port must be an integer 0-65535, got "${values.port}"`);
  return { ...values, config: values.config, port };
}

function createLogger(file: string | undefined): Logger {
  const destination = file ? pino.destination({ dest: file, sync: true, mkdir: true }) : pino.destination({ dest: 2, sync: true });
  // Level as a string ("error") so log queries can filter with level="error", ISO time for humans.
  return pino({ timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } }, destination);
}

async function main(argv: string[]): Promise<number | undefined> {
  let cli: ReturnType<typeof parseCli>;
  try {
    cli = parseCli(argv);
  } catch (err) {
    process.stderr.write(`target: ${(err as Error).message}\n${USAGE}\n`);
    return EXIT_USAGE;
  }
  const root = createLogger(cli.log);
  process.on('uncaughtException', (err) => {
    root.fatal({ err }, 'uncaught exception: service crashing');
    process.stderr.write(`target: crashed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  });

  let service: TargetService;
  let logger: Logger;
  try {
    const config = await loadServiceConfig(cli.config, readEnvironment());
    const revision = cli.revision ?? process.env.FIREBREAK_REVISION ?? config.service.revision;
    config.service.revision = revision;
    logger = root.child({ service: config.service.name, version: config.service.version, revision });
    const provides = await readProvides(cli.provides);
    const { dependencyUrl } = checkStartupRequirements(config, provides);
    logger.info({ config: cli.config, pool: config.pool, workers: config.workers, dependency: config.dependency, sagas: config.sagas, requires: config.startup.requires }, 'starting service');
    service = createTargetService({ config, logger, dataDir: cli.data, dependencyUrl });
  } catch (err) {
    if (err instanceof ServiceConfigError) {
      root.fatal({ file: err.file, issues: err.issues }, err.message);
      process.stderr.write(`target: ${err.message}\n`);
      return EXIT_CONFIG;
    }
    if (err instanceof StartupDependencyMissingError) {
      root.fatal({ err, dependency: err.dependency, provided: err.provided }, err.message);
      process.stderr.write(`target: ${err.message}\n`);
      return EXIT_STARTUP;
    }
    throw err;
  }

  let port: number;
  try {
    port = await service.listen(cli.port, cli.host);
  } catch (err) {
    logger.fatal({ err, port: cli.port, host: cli.host }, 'cannot listen');
    process.stderr.write(`target: cannot listen on ${cli.host}:${cli.port}: ${(err as Error).message}\n`);
    return EXIT_STARTUP;
  }
  logger.info({ port, host: cli.host }, 'service listening');

  let stopping = false;
  const shutdown = (reason: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'shutting down');
    service.close().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  exitWithParent(() => shutdown('parent exited'));
  // EPIPE on the ready line means whoever started us is already gone: stop instead of crashing.
  process.stdout.on('error', () => shutdown('stdout closed'));
  process.stdout.write(`${JSON.stringify({ port })}\n`);
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`target: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
