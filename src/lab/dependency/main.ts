#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { exitWithParent } from '../process.js';
import { startDependencyServer } from './server.js';

const USAGE = `usage: node dist/lab/dependency/main.js [--port 0] [--host 127.0.0.1] [--name payments-api]
       [--capacity 15] [--queue-limit 15] [--service-ms 40] [--brownout-ms 3000] [--log <file>]

Prints {"port":N} on stdout once listening. POST /admin/fail {"durationMs":N} injects an outage.`;

function intFlag(values: Record<string, string | boolean | undefined>, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n)) throw new TypeError(`--${name} must be an integer, got "${String(raw)}"`);
  return n;
}

async function main(argv: string[]): Promise<number | undefined> {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        name: { type: 'string' },
        capacity: { type: 'string' },
        'queue-limit': { type: 'string' },
        'service-ms': { type: 'string' },
        'brownout-ms': { type: 'string' },
        log: { type: 'string' },
      },
    }).values;
  } catch (err) {
    process.stderr.write(`dependency: ${(err as Error).message}\n${USAGE}\n`);
    return 64;
  }
  const log = typeof values.log === 'string' ? values.log : undefined;
  const logger = pino(
    { timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
    log ? pino.destination({ dest: log, sync: true, mkdir: true }) : pino.destination({ dest: 2, sync: true }),
  );
  let server;
  try {
    server = await startDependencyServer({
      port: intFlag(values, 'port') ?? 0,
      host: typeof values.host === 'string' ? values.host : '127.0.0.1',
      ...(typeof values.name === 'string' ? { name: values.name } : {}),
      capacity: intFlag(values, 'capacity'),
      queueLimit: intFlag(values, 'queue-limit'),
      serviceMs: intFlag(values, 'service-ms'),
      brownoutMs: intFlag(values, 'brownout-ms'),
      logger: logger.child({ service: typeof values.name === 'string' ? values.name : 'payments-api' }),
    });
  } catch (err) {
    process.stderr.write(`dependency: ${(err as Error).message}\n`);
    return err instanceof TypeError ? 78 : 1;
  }
  let stopping = false;
  const shutdown = (): void => {
    if (stopping) return;
    stopping = true;
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  exitWithParent(shutdown);
  process.stdout.on('error', shutdown); // EPIPE: the parent is gone
  process.stdout.write(`${JSON.stringify({ port: server.port })}\n`);
  return undefined;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exit(code);
  },
  (err: unknown) => {
    process.stderr.write(`dependency: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
