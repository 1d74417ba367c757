import type { DLogger } from '@dbos-inc/dbos-sdk';
import type { Logger } from 'pino';

/**
 * Routes DBOS's internal logging into the run's pino logger (stderr) instead of DBOS's console logger, whose
 * stdout output would corrupt an MCP stdio stream.
 */
export function dbosLogger(logger: Logger): DLogger {
  const log = logger.child({ component: 'dbos' });
  const write = (level: 'debug' | 'info' | 'warn' | 'error', entry: unknown): void => {
    if (entry instanceof Error) log[level]({ err: entry }, entry.message);
    else if (typeof entry === 'string') log[level](entry);
    else log[level]({ entry }, 'dbos');
  };
  return {
    debug: (entry) => write('debug', entry),
    info: (entry) => write('info', entry),
    warn: (entry) => write('warn', entry),
    error: (entry) => write('error', entry),
  };
}
