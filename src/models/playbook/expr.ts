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

type Value = unknown;
type Node =
  | { k: 'lit'; v: Value }
  | { k: 'path'; p: (string | number)[] }
  | { k: 'call'; f: string; args: Node[] }
  | { k: 'un'; op: '-' | '!'; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'cond'; c: Node; t: Node; e: Node };

/** A syntax error in an expression; the message names the position. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

const num = (v: Value): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
};

const defined = (v: Value): boolean => v !== undefined && v !== null;

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
const FUNCTIONS: Readonly<Record<string, (...args: Value[]) => Value>> = {
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

/** A compiled expression: evaluate it against facts as often as needed. */
export interface Expression {
  readonly source: string;
  evaluate(facts: Record<string, unknown>): Value;
  /** The root fact names it reads (for error messages and docs). */
  readonly reads: readonly string[];
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

// ---- parsing: a small precedence-climbing parser over a hand-written tokenizer ----

type Token = { t: 'num'; v: number; at: number } | { t: 'str'; v: string; at: number } | { t: 'id'; v: string; at: number } | { t: 'op'; v: string; at: number } | { t: 'end'; at: number };

const OPS = ['??', '||', '&&', '==', '!=', '<=', '>=', '<', '>', '+', '-', '*', '/', '%', '!', '?', ':', '(', ')', '[', ']', '.', ','];
const BINARY: readonly (readonly string[])[] = [['??'], ['||'], ['&&'], ['==', '!=', '<', '<=', '>', '>='], ['+', '-'], ['*', '/', '%']];

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // In a path (`data.0.line`) a dot is a separator and the digits after it an index, not a decimal.
    const inPath = continuesPath(out);
    if (c === '.' && inPath) {
      out.push({ t: 'op', v: '.', at: i });
      i++;
      continue;
    }
    const afterDot = out.at(-1)?.t === 'op' && (out.at(-1) as { v: string }).v === '.';
    const number = (afterDot ? /^\d+/ : /^(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/).exec(src.slice(i));
    if (number) {
      out.push({ t: 'num', v: Number(number[0]), at: i });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_$][\w$]*/.exec(src.slice(i));
    if (ident) {
      out.push({ t: 'id', v: ident[0], at: i });
      i += ident[0].length;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExpressionError(`unterminated string at ${i + 1} in '${src}'`);
      out.push({ t: 'str', v: src.slice(i + 1, end), at: i });
      i = end + 1;
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected '${c}' at ${i + 1} in '${src}'`);
    out.push({ t: 'op', v: op, at: i });
    i += op.length;
  }
  out.push({ t: 'end', at: src.length });
  return out;
}

/** Whether the tokens so far end in a path that a `.` continues: a name, `]`, or an index after a dot. */
function continuesPath(out: readonly Token[]): boolean {
  const last = out.at(-1);
  if (!last) return false;
  if (last.t === 'id') return true;
  if (last.t === 'op') return last.v === ']';
  const before = out.at(-2);
  return last.t === 'num' && before?.t === 'op' && before.v === '.';
}

class Parser {
  readonly #tokens: Token[];
  #i = 0;
  constructor(readonly source: string) {
    this.#tokens = tokenize(source);
  }

  parse(): Node {
    if (this.#peek().t === 'end') throw new ExpressionError('empty expression');
    const node = this.#conditional();
    if (this.#peek().t !== 'end') this.#fail('end of expression');
    return node;
  }

  #peek(): Token {
    return this.#tokens[this.#i]!;
  }

  #isOp(v: string): boolean {
    const t = this.#peek();
    return t.t === 'op' && t.v === v;
  }

  #expect(v: string): void {
    if (!this.#isOp(v)) this.#fail(`'${v}'`);
    this.#i++;
  }

  #fail(wanted: string): never {
    const t = this.#peek();
    const got = t.t === 'end' ? 'the end' : `'${String(t.v)}'`;
    throw new ExpressionError(`expected ${wanted} but found ${got} at ${t.at + 1} in '${this.source}'`);
  }

  #conditional(): Node {
    const c = this.#binary(0);
    if (!this.#isOp('?')) return c;
    this.#i++;
    const t = this.#conditional();
    this.#expect(':');
    return { k: 'cond', c, t, e: this.#conditional() };
  }

  #binary(level: number): Node {
    if (level === BINARY.length) return this.#unary();
    let left = this.#binary(level + 1);
    for (;;) {
      const t = this.#peek();
      if (t.t !== 'op' || !BINARY[level]!.includes(t.v)) return left;
      this.#i++;
      left = { k: 'bin', op: t.v, a: left, b: this.#binary(level + 1) };
    }
  }

  #unary(): Node {
    if (this.#isOp('-') || this.#isOp('!')) {
      const op = (this.#peek() as { v: '-' | '!' }).v;
      this.#i++;
      return { k: 'un', op, a: this.#unary() };
    }
    return this.#primary();
  }

  #primary(): Node {
    const t = this.#peek();
    if (t.t === 'num' || t.t === 'str') {
      this.#i++;
      return { k: 'lit', v: t.v };
    }
    if (this.#isOp('(')) {
      this.#i++;
      const inner = this.#conditional();
      this.#expect(')');
      return inner;
    }
    if (t.t !== 'id') this.#fail('a number, a fact or a function');
    this.#i++;
    if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
    if (t.v === 'null') return { k: 'lit', v: null };
    if (this.#isOp('(')) return this.#call(t.v, t.at);
    const path: (string | number)[] = [t.v];
    for (;;) {
      if (this.#isOp('.')) {
        this.#i++;
        const key = this.#peek();
        if (key.t !== 'id' && key.t !== 'num') this.#fail('a field name');
        path.push(key.t === 'num' ? key.v : key.v);
        this.#i++;
      } else if (this.#isOp('[')) {
        this.#i++;
        const key = this.#peek();
        if (key.t !== 'num' && key.t !== 'str') this.#fail('an index or a quoted key');
        path.push(key.v);
        this.#i++;
        this.#expect(']');
      } else return { k: 'path', p: path };
    }
  }

  #call(name: string, at: number): Node {
    if (!Object.hasOwn(FUNCTIONS, name)) {
      throw new ExpressionError(`unknown function '${name}' at ${at + 1} in '${this.source}' (known: ${Object.keys(FUNCTIONS).join(', ')})`);
    }
    this.#expect('(');
    const args: Node[] = [];
    if (!this.#isOp(')')) {
      for (;;) {
        args.push(this.#conditional());
        if (!this.#isOp(',')) break;
        this.#i++;
      }
    }
    this.#expect(')');
    return { k: 'call', f: name, args };
  }
}
