import { compiled } from './expr.js';
import type { Comparison, Condition } from './schema.js';
import { getPath } from './template.js';

/**
 * Evaluates a playbook condition. A comparison on a fact that does not exist is false (except
 * `exists: false`), so a rule never fires on a guess. Numbers given as strings (Prometheus returns sample
 * values as strings) are compared numerically.
 */
export function holds(condition: Condition, facts: Record<string, unknown>): boolean {
  if ('all' in condition) return condition.all.every((c) => holds(c, facts));
  if ('any' in condition) return condition.any.some((c) => holds(c, facts));
  if ('not' in condition) return !holds(condition.not, facts);
  if ('expr' in condition) return compiled(condition.expr).evaluate(facts) === true;
  return compare(condition, getPath(facts, condition.fact));
}

function compare(c: Comparison, value: unknown): boolean {
  if (c.exists !== undefined && (value !== undefined && value !== null) !== c.exists) return false;
  if (value === undefined || value === null) return c.exists === false;
  if (c.eq !== undefined && !equal(value, c.eq)) return false;
  if (c.ne !== undefined && equal(value, c.ne)) return false;
  const n = toNumber(value);
  if (c.gt !== undefined && !(n !== undefined && n > c.gt)) return false;
  if (c.gte !== undefined && !(n !== undefined && n >= c.gte)) return false;
  if (c.lt !== undefined && !(n !== undefined && n < c.lt)) return false;
  if (c.lte !== undefined && !(n !== undefined && n <= c.lte)) return false;
  if (c.matches !== undefined && !new RegExp(c.matches).test(typeof value === 'string' ? value : JSON.stringify(value))) return false;
  if (c.contains !== undefined) {
    if (typeof value === 'string') {
      if (!value.includes(String(c.contains))) return false;
    } else if (Array.isArray(value)) {
      if (!value.some((v) => equal(v, c.contains))) return false;
    } else return false;
  }
  if (c.in !== undefined && !c.in.some((v) => equal(value, v))) return false;
  return true;
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

function equal(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'number') return toNumber(a) === b;
  if (typeof a === 'number' && typeof b === 'string') return toNumber(b) === a;
  return JSON.stringify(a) === JSON.stringify(b);
}
