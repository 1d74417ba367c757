import { pino, type Logger } from 'pino';
import type { EventSink } from './sink.js';
import type { StepEvent } from './types.js';
import { describe } from './errors.js';
import { NO_SECRET_ENV, redactJson, redactText, secretValuesFromEnv } from '../security/redact.js';

let fallback: Logger | undefined;

/**
 * The logger used when a run is given none: JSON to stderr (stdout may be an MCP protocol stream), level
 * from FIREBREAK_LOG_LEVEL (default `warn`). Created on first use so importing firebreak costs nothing.
 */
export function defaultLogger(): Logger {
  return (fallback ??= pino({ name: 'firebreak', level: process.env.FIREBREAK_LOG_LEVEL ?? 'warn' }, pino.destination(2)));
}

/**
 * Turns the event stream into log lines: start/end at debug (only built when debug is on), failures and
 * retries at warn, breaker changes at warn, custom events at info.
 */
export function pinoSink(logger: Logger): EventSink {
  // Error messages and custom event data come from user code and tool results: redact them before they
  // reach a log. The environment's secret values are read once, on the first line that needs them.
  let secrets: string[] | undefined;
  const opts = (): { secrets: string[]; env: NodeJS.ProcessEnv } => ({ secrets: (secrets ??= secretValuesFromEnv()), env: NO_SECRET_ENV });
  const err = (e: unknown): string => redactText(describe(e), opts());
  return {
    lifecycle: logger.isLevelEnabled('debug'),
    handle(event: StepEvent): void {
      const base = { runId: event.runId, path: event.path };
      switch (event.type) {
        case 'start':
          logger.debug({ ...base, step: event.step, kind: event.kind, attempt: event.attempt }, 'step start');
          return;
        case 'end':
          logger.debug({ ...base, step: event.step, durationMs: round(event.durationMs), replayed: event.replayed }, 'step end');
          return;
        case 'error':
          logger.warn({ ...base, step: event.step, attempt: event.attempt, durationMs: round(event.durationMs), err: err(event.error) }, 'step failed');
          return;
        case 'retry':
          logger.warn({ ...base, step: event.step, attempt: event.attempt, delayMs: round(event.delayMs), err: err(event.error) }, 'retrying');
          return;
        case 'breaker':
          logger.warn({ ...base, breaker: event.breaker, from: event.from, to: event.to }, 'circuit breaker state change');
          return;
        case 'custom':
          if (logger.isLevelEnabled('info')) logger.info({ ...base, ...redactJson(event.data, opts()) }, event.name);
          return;
      }
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}


/**
 * A JSON logger on stderr — never stdout, which is the protocol stream of an MCP stdio server — at
 * FIREBREAK_LOG_LEVEL, or `level` when that is unset. The one way firebreak's components make a logger.
 */
export function stderrLogger(name: string, level = 'warn'): Logger {
  return pino({ name, level: process.env.FIREBREAK_LOG_LEVEL ?? level }, pino.destination(2));
}
