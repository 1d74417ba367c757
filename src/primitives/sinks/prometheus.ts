import { createRequire } from 'node:module';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CircuitBreaker } from '../circuit-breaker.js';
import type { EventSink } from '../sink.js';
import type { BreakerStateName, StepEvent } from '../types.js';

export interface PrometheusSinkOptions {
  /** Where the metrics are registered; default prom-client's global registry. */
  registry?: Registry;
  /** Metric name prefix; default 'firebreak_'. */
  prefix?: string;
  /** Histogram buckets in seconds; default from 5 ms to 10 min (steps range from a lookup to a deploy). */
  buckets?: number[];
  /** Breakers whose state the gauge should follow even when no run is using them. */
  breakers?: readonly CircuitBreaker[];
}

// prom-client takes ~40 ms to load: required on first use, so a CLI or stdio server that never exports
// metrics does not pay for it. It is CommonJS, so a synchronous require works from ESM.
type PromClient = typeof import('prom-client');
let promClient: PromClient | undefined;
const loadPromClient = (): PromClient => (promClient ??= createRequire(import.meta.url)('prom-client') as PromClient);

const STATES: readonly BreakerStateName[] = ['closed', 'half-open', 'open', 'isolated'];
const DEFAULT_BUCKETS = [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 30, 60, 180, 600];

/**
 * Prometheus metrics from the run's event stream (prom-client).
 *
 * When to use: a long-lived process (the MCP server, a drill runner) that exposes /metrics.
 * What it does: `<prefix>step_duration_seconds` histogram {step, kind, outcome=ok|error};
 * `<prefix>step_errors_total` {step, kind, error=<error name>}; `<prefix>step_retries_total` {step};
 * `<prefix>breaker_state` gauge {breaker, state}, 1 for the current state and 0 for the others.
 * Gotchas: labels use step names, never paths or messages, so cardinality stays bounded by the workflow's
 * shape and no secret reaches a label. Creating two sinks on one registry reuses the same metrics.
 *
 * @example
 * const registry = new Registry();
 * await run(workflow, alert, { sinks: [prometheusSink({ registry })] });
 * console.log(await registry.metrics());
 */
export function prometheusSink(opts: PrometheusSinkOptions = {}): EventSink {
  const prom = loadPromClient();
  const registry = opts.registry ?? prom.register;
  const prefix = opts.prefix ?? 'firebreak_';
  const duration = metric<Histogram>(registry, `${prefix}step_duration_seconds`, () => new prom.Histogram({
    name: `${prefix}step_duration_seconds`, help: 'Duration of step runs, by outcome.',
    labelNames: ['step', 'kind', 'outcome'], buckets: opts.buckets ?? DEFAULT_BUCKETS, registers: [registry],
  }));
  const errors = metric<Counter>(registry, `${prefix}step_errors_total`, () => new prom.Counter({
    name: `${prefix}step_errors_total`, help: 'Failed step runs, by error name.',
    labelNames: ['step', 'kind', 'error'], registers: [registry],
  }));
  const retries = metric<Counter>(registry, `${prefix}step_retries_total`, () => new prom.Counter({
    name: `${prefix}step_retries_total`, help: 'Retries scheduled after a failed attempt.',
    labelNames: ['step'], registers: [registry],
  }));
  const breakerState = metric<Gauge>(registry, `${prefix}breaker_state`, () => new prom.Gauge({
    name: `${prefix}breaker_state`, help: 'Circuit breaker state: 1 for the current state, 0 for the others.',
    labelNames: ['breaker', 'state'], registers: [registry],
  }));

  const setBreaker = (breaker: string, current: BreakerStateName): void => {
    for (const state of STATES) breakerState.set({ breaker, state }, state === current ? 1 : 0);
  };
  for (const breaker of opts.breakers ?? []) {
    setBreaker(breaker.name, breaker.state);
    breaker.on('stateChange', (change) => setBreaker(change.breaker, change.to));
  }

  return {
    lifecycle: true,
    handle(event: StepEvent): void {
      switch (event.type) {
        case 'end':
          if (!event.replayed) duration.observe({ step: event.step, kind: event.kind, outcome: 'ok' }, event.durationMs / 1000);
          return;
        case 'error':
          duration.observe({ step: event.step, kind: event.kind, outcome: 'error' }, event.durationMs / 1000);
          errors.inc({ step: event.step, kind: event.kind, error: errorName(event.error) });
          return;
        case 'retry':
          retries.inc({ step: event.step });
          return;
        case 'breaker':
          setBreaker(event.breaker, event.to);
          return;
        default:
          return;
      }
    },
  };
}

/** Re-uses a metric already in the registry, so sinks can be created per run without "already registered". */
function metric<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

function errorName(err: unknown): string {
  if (err instanceof Error) return err.name;
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : typeof err;
}
