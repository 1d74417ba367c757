import type { StepEvent } from './types.js';

/**
 * A consumer of the run's one event stream (pino, OpenTelemetry, Prometheus, onEvent, the incident timeline).
 * `lifecycle: false` sinks are spared the start/end events of every step — the hot path then allocates
 * nothing — but still get errors, retries, breaker changes and custom events.
 */
export interface EventSink {
  readonly lifecycle: boolean;
  handle(event: StepEvent): void;
}

/** Adapts a plain callback to a sink that sees every event. */
export function callbackSink(fn: (event: StepEvent) => void): EventSink {
  return { lifecycle: true, handle: fn };
}

/** Delivers an event to every sink; a throwing sink is isolated so observability can never fail a run. */
export function deliver(sinks: readonly EventSink[], event: StepEvent): void {
  const lifecycleEvent = event.type === 'start' || event.type === 'end';
  for (const sink of sinks) {
    if (lifecycleEvent && !sink.lifecycle) continue;
    try {
      sink.handle(event);
    } catch {
      // Deliberately swallowed: a broken exporter must not change the outcome of an incident workflow.
    }
  }
}
