/**
 * The values and functions of playbook expressions (expr.ts): numeric text counts as a number (Prometheus
 * sends samples as text), and every function answers undefined rather than throwing on a missing input.
 */

export type Value = unknown;

export const num = (v: Value): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
};

export const defined = (v: Value): boolean => v !== undefined && v !== null;

const text = (v: Value): string => (v === undefined || v === null ? 'no data' : typeof v === 'string' ? v : typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : JSON.stringify(v));

/** The first sample of a Prometheus instant-query result (`{ result: [{ value: [t, "v"] }] }`). */
function sample(v: Value): number | undefined {
  const result = (v as { result?: unknown } | null | undefined)?.result;
  const first = Array.isArray(result) ? (result[0] as { value?: unknown } | undefined) : undefined;
  return Array.isArray(first?.value) ? num(first.value[1]) : undefined;
}

const numeric = (f: (...xs: number[]) => number) => (...args: Value[]): Value => {
  const xs = args.map(num);
  if (xs.some((x) => x === undefined)) return undefined;
  const r = f(...(xs as number[]));
  return Number.isFinite(r) ? r : undefined;
};

/** Functions an expression may call. Each returns undefined rather than throwing on missing input. */
export const FUNCTIONS: Readonly<Record<string, (...args: Value[]) => Value>> = {
  min: numeric((...xs) => Math.min(...xs)),
  max: numeric((...xs) => Math.max(...xs)),
  ceil: numeric(Math.ceil),
  floor: numeric(Math.floor),
  abs: numeric(Math.abs),
  round: numeric((x, digits = 0) => Math.round(x * 10 ** digits) / 10 ** digits),
  /** A number, or undefined (also for text that is not one). */
  num: (v) => num(v),
  /** The first sample value of a Prometheus instant-query result. */
  sample,
  /** JSON text parsed (a file's content), or undefined when it is not JSON. */
  json: (v) => {
    if (typeof v !== 'string') return undefined;
    try {
      return JSON.parse(v) as Value;
    } catch {
      return undefined;
    }
  },
  /** Length of an array or a string; number of keys of an object. */
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v !== null && typeof v === 'object' ? Object.keys(v).length : undefined),
  /** True when the value is present (not undefined or null). */
  exists: (v) => defined(v),
  /** Text: the values joined (numbers as they are, objects as JSON, undefined as 'no data'). */
  concat: (...vs) => vs.map(text).join(''),
  /** A number as text with `digits` decimals (default 2), or 'no data'. */
  fmt: (v, digits) => {
    const x = num(v);
    return x === undefined ? 'no data' : String(Math.round(x * 10 ** (num(digits) ?? 2)) / 10 ** (num(digits) ?? 2));
  },
  /** A ratio as a percentage text ('12.5%'), or 'no data'. */
  pct: (v, digits) => {
    const x = num(v);
    return x === undefined ? 'no data' : `${String(Math.round(x * 100 * 10 ** (num(digits) ?? 1)) / 10 ** (num(digits) ?? 1))}%`;
  },
  /** An object from key/value pairs, leaving out undefined values: obj('rate', rate, 'p95', p95). */
  obj: (...kv) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i + 1 < kv.length; i += 2) if (kv[i + 1] !== undefined && kv[i + 1] !== null) out[String(kv[i])] = kv[i + 1];
    return out;
  },
  /** The `field` of each object in an array: pluck(changes, 'path'). */
  pluck: (arr, field) => (Array.isArray(arr) ? arr.flatMap((x) => (x !== null && typeof x === 'object' && defined((x as Record<string, unknown>)[String(field)]) ? [(x as Record<string, unknown>)[String(field)]] : [])) : undefined),
  /** An array of the given values, leaving out undefined ones. */
  list: (...vs) => vs.filter(defined),
  /** True when an array or string contains the value. */
  contains: (hay, needle) => (Array.isArray(hay) ? hay.some((x) => JSON.stringify(x) === JSON.stringify(needle)) : typeof hay === 'string' && typeof needle === 'string' ? hay.includes(needle) : undefined),
};

