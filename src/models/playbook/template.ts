/**
 * Fact paths and templates for playbooks: `input.incident.service`, `errorRate.data.result[0].value[1]`,
 * and strings with `{{path}}` holes. A string that is exactly one hole yields the raw value (a number stays
 * a number, an object stays an object); otherwise values are interpolated as text. Filters after a pipe
 * convert: `{{errors.result[0].value[1] | number}}` (Prometheus sends sample values as strings),
 * `| string`, `| json`, `| round:2`, `| percent` (x100, two decimals), chained left to right.
 */

const HOLE = /\{\{\s*([^}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^}]+?)\s*\}\}$/;

/** The value at `path` in `root`, or undefined. */
export function getPath(root: unknown, path: string): unknown {
  let value: unknown = root;
  for (const key of splitPath(path)) {
    if (value === null || value === undefined) return undefined;
    if (Array.isArray(value) && /^\d+$/.test(key)) value = value[Number(key)];
    else if (typeof value === 'object') value = (value as Record<string, unknown>)[key];
    else return undefined;
  }
  return value;
}

function splitPath(path: string): string[] {
  return path.replace(/\[(\d+)\]/g, '.$1').split('.').filter((s) => s.length > 0);
}

/** Renders `template` against `facts`; every path that resolves to nothing is added to `missing`. */
export function render(template: unknown, facts: Record<string, unknown>, missing: Set<string>): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return resolve(whole[1]!, facts, missing);
    return template.replace(HOLE, (_, expr: string) => {
      const value = resolve(expr, facts, missing);
      if (value === undefined) return '';
      return typeof value === 'string' ? value : JSON.stringify(value);
    });
  }
  if (Array.isArray(template)) return template.map((t) => render(t, facts, missing));
  if (template !== null && typeof template === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(template)) out[k] = render(v, facts, missing);
    return out;
  }
  return template;
}

/** Thrown for a filter name that does not exist (a playbook bug, reported as an escalation). */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

function resolve(expr: string, facts: Record<string, unknown>, missing: Set<string>): unknown {
  const [path, ...filters] = expr.split('|').map((s) => s.trim());
  let value = getPath(facts, path!);
  if (value === undefined) {
    missing.add(path!);
    return undefined;
  }
  for (const filter of filters) value = applyFilter(filter, value, path!);
  return value;
}

function applyFilter(filter: string, value: unknown, path: string): unknown {
  const [name, arg] = filter.split(':').map((s) => s.trim());
  switch (name) {
    case 'number': {
      const n = typeof value === 'number' ? value : Number(value);
      if (!Number.isFinite(n)) throw new TemplateError(`{{${path} | number}}: '${String(value)}' is not a number`);
      return n;
    }
    case 'string':
      return typeof value === 'string' ? value : JSON.stringify(value);
    case 'json':
      return JSON.stringify(value);
    case 'round': {
      const digits = arg === undefined ? 0 : Number(arg);
      const factor = 10 ** digits;
      return Math.round(Number(value) * factor) / factor;
    }
    case 'percent':
      return Math.round(Number(value) * 10_000) / 100;
    default:
      throw new TemplateError(`unknown template filter '${String(name)}' in {{${path} | ${filter}}}`);
  }
}
