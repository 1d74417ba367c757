import { pino, type Logger } from 'pino';
import type { EventSink } from './sink.js';
import type { StepEvent } from './types.js';
import { describe } from './errors.js';

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
          logger.warn({ ...base, step: event.step, attempt: event.attempt, durationMs: round(event.durationMs), err: describe(event.error) }, 'step failed');
          return;
        case 'retry':
          logger.warn({ ...base, step: event.step, attempt: event.attempt, delayMs: round(event.delayMs), err: describe(event.error) }, 'retrying');
          return;
        case 'breaker':
          logger.warn({ ...base, breaker: event.breaker, from: event.from, to: event.to }, 'circuit breaker state change');
          return;
        case 'custom':
          logger.info({ ...base, ...event.data }, event.name);
          return;
      }
    },
  };
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
