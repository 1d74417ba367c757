import { z } from 'zod';
import { RouteNotFoundError } from './errors.js';
import { parseOptions } from './options.js';
import { isStep } from './step.js';
import type { InputOfAll } from './parallel.js';
import type { AnyStep, Context, InputOf, OutputOf, Step } from './types.js';

/** Compile-time check that a route accepts the router's input (Step's method parameters are bivariant). */
type RoutesFor<I, R> = { [K in keyof R]: [I] extends [InputOf<R[K]>] ? R[K] : { error: `route '${K & string}' does not accept the router's input type` } };

export interface RouterOptions<I, R extends Record<string, AnyStep>> {
  /** Picks a route key for the input (an LLM classifier, a lookup in the alert's labels, …). */
  select: (input: I, ctx: Context) => string | Promise<string>;
  routes: R & RoutesFor<I, R>;
  /** Taken when `select` returns a key with no route; without it that is a RouteNotFoundError. */
  default?: keyof R & string;
}

const routerSchema = z
  .object({
    select: z.custom<(input: unknown, ctx: Context) => string>((v) => typeof v === 'function', 'expected a function'),
    routes: z.record(z.string(), z.custom<AnyStep>(isStep, 'expected a step')).refine((r) => Object.keys(r).length > 0, 'needs at least one route'),
    default: z.string().optional(),
  })
  .strict()
  .refine((o) => o.default === undefined || Object.hasOwn(o.routes, o.default), { message: 'is not one of the routes', path: ['default'] });

/**
 * Sends the input to one of several steps, chosen at run time.
 *
 * When to use: triage — route an alert to the persona that owns it (database -> backend, deploy -> devops).
 * What it does: awaits `select(input, ctx)`, runs `routes[key]` with the same input; an unknown key takes
 * `default` if given, else rejects with RouteNotFoundError naming the key and the known keys.
 * Gotchas: transparent (the chosen route appears in the path under its own name). Only own keys of
 * `routes` count: 'constructor' or 'toString' are unknown keys, not routes.
 *
 * @example
 * const triage = router({ select: (a: Alert) => a.labels.team, routes: { db: backend, infra: devops }, default: 'infra' });
 */
// I is inferred from `select`'s parameter when annotated; otherwise (no inference candidate) it defaults to an
// input every route accepts.
export function router<R extends Record<string, AnyStep>, I = InputOfAll<R>>(opts: RouterOptions<I, R>): Step<I, OutputOf<R[keyof R]>> {
  const { select, routes, default: fallbackKey } = parseOptions('router', routerSchema, opts);
  const known = Object.keys(routes);
  const table = new Map<string, AnyStep>(known.map((k) => [k, routes[k]!]));
  return {
    name: `router(${known.join(',')})`,
    kind: 'router',
    transparent: true,
    children: known.map((k) => routes[k]!),
    run(input: I, ctx: Context): Promise<OutputOf<R[keyof R]>> {
      const route = (key: string): Promise<OutputOf<R[keyof R]>> => {
        const chosen = table.get(key) ?? (fallbackKey !== undefined ? table.get(fallbackKey) : undefined);
        if (chosen === undefined) return Promise.reject(new RouteNotFoundError(String(key), known));
        return ctx.run(chosen, input) as Promise<OutputOf<R[keyof R]>>;
      };
      let key: string | Promise<string>;
      try {
        key = select(input, ctx);
      } catch (err) {
        return Promise.reject(err);
      }
      // A synchronous selector (a label lookup) routes without a microtask; an async one (a classifier) is awaited.
      return typeof key === 'string' ? route(key) : Promise.resolve(key).then(route);
    },
  };
}
