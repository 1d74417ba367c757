import { FUNCTIONS } from './expr-functions.js';

/** The syntax tree of an expression. */
export type Node =
  | { k: 'lit'; v: unknown }
  | { k: 'path'; p: (string | number)[] }
  | { k: 'call'; f: string; args: Node[] }
  | { k: 'un'; op: '-' | '!'; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'cond'; c: Node; t: Node; e: Node };

/** A syntax error in an expression; the message names the position. */
export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
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

export class Parser {
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
        path.push(key.v);
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
