import { CircuitBreaker } from './breaker/breaker.js';
import { publishEvent } from './context.js';
import { isStep } from './step.js';
import type { Context, Step } from './types.js';

export { CircuitBreaker };

/**
 * Guards a step with a circuit breaker.
 *
 * When to use: with one breaker per dependency, shared by every step that calls it.
 * What it does: runs `inner` through `breaker.execute`; a transition caused by this call (closed -> open,
 * open -> half-open, half-open -> closed/open) becomes a 'breaker' event in the run's event stream.
 * Gotchas: transparent. Put `retry` OUTSIDE the breaker (retry(circuitBreaker(s, b))): BrokenCircuitError is
 * not retried by default, so an open circuit fails fast instead of being hammered.
 *
 * @example
 * const prom = new CircuitBreaker({ name: 'prometheus', halfOpenAfterMs: 10_000 });
 * const rates = circuitBreaker(step('error_rate', queryErrorRate), prom);
 */
export function circuitBreaker<I, O>(inner: Step<I, O>, breaker: CircuitBreaker): Step<I, O> {
  if (!isStep(inner)) throw new TypeError('circuitBreaker(step, breaker): the first argument is not a step');
  if (!(breaker instanceof CircuitBreaker)) throw new TypeError('circuitBreaker(step, breaker): breaker must be a CircuitBreaker');
  return {
    name: `circuitBreaker(${inner.name})`,
    kind: 'circuitBreaker',
    transparent: true,
    children: [inner],
    run(input: I, ctx: Context): Promise<O> {
      return breaker.execute(() => ctx.run(inner, input), {
        signal: ctx.signal,
        onTransition: (t) => publishEvent(ctx, { type: 'breaker', runId: ctx.runId, path: ctx.path, at: t.at, breaker: t.breaker, from: t.from, to: t.to }),
      });
    },
  };
}
