/**
 * Playbook expressions: the arithmetic a runbook needs to reason from measurements (Little's law, ratios
 * against a baseline, a new pool size) without leaving YAML.
 *
 *   poolDemand:  "sample(acquireRate) * sample(queryMean)"       connections the traffic needs
 *   newSize:     "max(ceil(poolDemand * 1.5), cfg.pool.size + 1)"
 *   slowdown:    "sample(queryMean) / sample(queryMeanBefore)"
 *
 * Values are JSON facts. Paths (`cfg.pool.size`, `alerts.data[0].line`, `alerts.data.0.line`) read facts — own
 * fields only, never JavaScript internals (`x.constructor` is no fact); numeric strings (how Prometheus sends
 * samples) count as numbers, also for truth ("0" is false). A missing fact makes the whole expression undefined
 * — never a guess — and so do a division by zero and an overflow: a rule comparing it does not fire. `&&` and
 * `||` answer only when the missing side could not change the answer (`missing && false` is false, `missing ||
 * false` is undefined). Operators: `?:`, `??`, `||`, `&&`, `== != < <= > >=`, `+ - * / %`, unary `-` and `!`.
 * Functions: see FUNCTIONS.
 */

import { defined, FUNCTIONS, num, type Value } from './expr-functions.js';
import { Parser, type Node } from './expr-parse.js';

export { ExpressionError } from './expr-parse.js';

export interface Expression {
  readonly source: string;
  evaluate(facts: Record<string, unknown>): Value;
  /** The root fact names it reads (for error messages and docs). */
  readonly reads: readonly string[];
}

const cache = new Map<string, Expression>();

/**
 * compileExpression, once per distinct source: a playbook's expressions are checked when it loads and then
 * evaluated every turn. Throws as compileExpression does (nothing is cached then).
 */
export function compiled(source: string): Expression {
  let e = cache.get(source);
  if (!e) cache.set(source, (e = compileExpression(source)));
  return e;
}

/** Parses `source`; throws ExpressionError naming the problem and where it is. */
export function compileExpression(source: string): Expression {
  const node = new Parser(source).parse();
  const reads = new Set<string>();
  collect(node, reads);
  return { source, reads: [...reads], evaluate: (facts) => evaluate(node, facts) };
}

function collect(n: Node, out: Set<string>): void {
  if (n.k === 'path') out.add(String(n.p[0]));
  else if (n.k === 'call') n.args.forEach((a) => collect(a, out));
  else if (n.k === 'un') collect(n.a, out);
  else if (n.k === 'bin') (collect(n.a, out), collect(n.b, out));
  else if (n.k === 'cond') (collect(n.c, out), collect(n.t, out), collect(n.e, out));
}

function evaluate(n: Node, facts: Record<string, unknown>): Value {
  switch (n.k) {
    case 'lit':
      return n.v;
    case 'path': {
      let v: Value = facts;
      for (const key of n.p) {
        // Own fields only: `cfg.constructor` or `list.map` are JavaScript, not facts.
        if (v === null || typeof v !== 'object' || !Object.hasOwn(v, key)) return undefined;
        v = (v as Record<string | number, unknown>)[key];
      }
      return v;
    }
    case 'call':
      return FUNCTIONS[n.f]!(...n.args.map((a) => evaluate(a, facts)));
    case 'un': {
      const a = evaluate(n.a, facts);
      if (n.op === '!') return defined(a) ? !truthy(a) : undefined;
      const x = num(a);
      return x === undefined ? undefined : -x;
    }
    case 'cond': {
      const c = evaluate(n.c, facts);
      if (!defined(c)) return undefined;
      return evaluate(truthy(c) ? n.t : n.e, facts);
    }
    case 'bin':
      return binary(n.op, n.a, n.b, facts);
  }
}

/** Numbers and numeric text by their value ("0" is false, as 0 is); other text when non-empty. */
function truthy(v: Value): boolean {
  if (typeof v === 'string') return num(v) !== undefined ? num(v) !== 0 : v !== '';
  return typeof v === 'number' ? v !== 0 : Boolean(v);
}

function binary(op: string, an: Node, bn: Node, facts: Record<string, unknown>): Value {
  const a = evaluate(an, facts);
  if (op === '??') return defined(a) ? a : evaluate(bn, facts);
  // Three-valued: a known false decides &&, a known true decides ||; otherwise a missing side leaves it undefined.
  if (op === '&&') {
    if (defined(a) && !truthy(a)) return false;
    const b = truthyOrUndefined(evaluate(bn, facts));
    return b === false ? false : defined(a) ? b : undefined;
  }
  if (op === '||') {
    if (defined(a) && truthy(a)) return true;
    const b = truthyOrUndefined(evaluate(bn, facts));
    return b === true ? true : defined(a) ? b : undefined;
  }
  const b = evaluate(bn, facts);
  if (op === '==' || op === '!=') {
    if (!defined(a) || !defined(b)) return undefined;
    const x = num(a);
    const y = num(b);
    const eq = x !== undefined && y !== undefined ? x === y : JSON.stringify(a) === JSON.stringify(b);
    return op === '==' ? eq : !eq;
  }
  const x = num(a);
  const y = num(b);
  if (x === undefined || y === undefined) return undefined;
  // An overflow (1e308 * 10) is no figure either: Infinity would compare and template as if it were one.
  const finite = (r: number): number | undefined => (Number.isFinite(r) ? r : undefined);
  switch (op) {
    case '+': return finite(x + y);
    case '-': return finite(x - y);
    case '*': return finite(x * y);
    case '/': return y === 0 ? undefined : finite(x / y);
    case '%': return y === 0 ? undefined : x % y;
    case '<': return x < y;
    case '<=': return x <= y;
    case '>': return x > y;
    case '>=': return x >= y;
  }
  return undefined;
}

function truthyOrUndefined(v: Value): Value {
  return defined(v) ? truthy(v) : undefined;
}
