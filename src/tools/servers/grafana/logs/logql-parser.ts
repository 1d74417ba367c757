import { LogQLError } from '../errors.js';
import { tokenize, type Op, type Token } from './logql-lexer.js';

/**
 * A recursive-descent parser for the LogQL subset the file log backend evaluates:
 *
 *   query    = selector { stage }
 *   selector = "{" matcher { "," matcher } "}"          matcher = label ("=" | "!=" | "=~" | "!~") string
 *   stage    = lineOp string { "or" string }            lineOp  = "|=" | "!=" | "|~" | "!~"
 *            | "|" ( "json" | "logfmt" | filterExpr )
 *   filterExpr = andExpr { "or" andExpr };   andExpr = primary { ["and" | ","] primary }
 *   primary  = "(" filterExpr ")" | label cmp (string | number[unit])
 *
 * Anything else (metric queries, line_format, unwrap, …) is rejected with an error that says so.
 */

export type MatchOp = '=' | '!=' | '=~' | '!~';
export type NumOp = '==' | '!=' | '>' | '>=' | '<' | '<=';

export interface LabelMatcher {
  name: string;
  op: MatchOp;
  value: string;
}

export type LabelFilter =
  | { kind: 'string'; name: string; op: MatchOp; value: string }
  | { kind: 'number'; name: string; op: NumOp; value: number; unit: 'none' | 'duration' }
  | { kind: 'and' | 'or'; left: LabelFilter; right: LabelFilter };

export type Stage =
  | { kind: 'line'; op: '|=' | '!=' | '|~' | '!~'; values: string[] }
  | { kind: 'parser'; format: 'json' | 'logfmt' }
  | { kind: 'filter'; filter: LabelFilter };

export interface LogQLQuery {
  matchers: LabelMatcher[];
  stages: Stage[];
}

const LINE_OPS = new Set<Op>(['|=', '!=', '|~', '!~']);
const MATCH_OPS = new Set<Op>(['=', '!=', '=~', '!~']);
const NUM_OPS = new Set<Op>(['==', '!=', '>', '>=', '<', '<=', '=']);
const UNSUPPORTED_STAGES = new Set(['line_format', 'label_format', 'unwrap', 'pattern', 'regexp', 'unpack', 'drop', 'keep', 'decolorize', 'distinct']);
const DURATION_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a LogQL log query; throws LogQLError with the position of the first problem. */
export function parseLogQL(query: string): LogQLQuery {
  // Checked before tokenizing: range vectors ([5m]) are not even tokens of the log-query subset.
  const metric = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(query);
  if (metric) {
    throw new LogQLError(`metric queries (${metric[1]}(...)) are not supported by the file log backend; query the log lines instead`, query.indexOf(metric[1] ?? ''));
  }
  return new Parser(tokenize(query)).query();
}

class Parser {
  #i = 0;
  constructor(private readonly tokens: Token[]) {}

  query(): LogQLQuery {
    const matchers = this.#selector();
    const stages: Stage[] = [];
    while (this.#peek().kind !== 'eof') stages.push(this.#stage());
    return { matchers, stages };
  }

  #selector(): LabelMatcher[] {
    this.#expectPunct('{', "a stream selector such as {job=\"api\"}");
    const matchers: LabelMatcher[] = [];
    if (!this.#isPunct('}')) {
      do {
        const name = this.#expectIdent('a label name');
        const op = this.#expectOp(MATCH_OPS, 'one of = != =~ !~');
        matchers.push({ name, op: op as MatchOp, value: this.#expectString() });
      } while (this.#acceptPunct(','));
    }
    this.#expectPunct('}', "',' or '}'");
    if (!matchers.some((m) => !emptyCompatible(m))) {
      throw new LogQLError('the stream selector needs at least one matcher that does not match the empty string, e.g. {job="api"}', this.tokens[0]?.pos ?? 0);
    }
    return matchers;
  }

  #stage(): Stage {
    const t = this.#peek();
    if (t.kind === 'op' && LINE_OPS.has(t.value)) {
      this.#i++;
      const values = [this.#expectString()];
      while (this.#peekIdent('or')) {
        this.#i++;
        values.push(this.#expectString());
      }
      return { kind: 'line', op: t.value as '|=', values };
    }
    this.#expectPunct('|', "a line filter (|= != |~ !~) or '|'");
    const next = this.#peek();
    if (next.kind === 'ident' && (next.value === 'json' || next.value === 'logfmt')) {
      this.#i++;
      const after = this.#peek();
      if (after.kind === 'ident' || after.kind === 'string') throw new LogQLError(`${next.value} with parameters is not supported; use plain | ${next.value}`, after.pos);
      return { kind: 'parser', format: next.value };
    }
    if (next.kind === 'ident' && UNSUPPORTED_STAGES.has(next.value) && this.tokens[this.#i + 1]?.kind !== 'op') {
      throw new LogQLError(`'${next.value}' is not supported by the file log backend (supported: line filters, json, logfmt, label filters)`, next.pos);
    }
    return { kind: 'filter', filter: this.#or() };
  }

  #or(): LabelFilter {
    let left = this.#and();
    while (this.#peekIdent('or')) {
      this.#i++;
      left = { kind: 'or', left, right: this.#and() };
    }
    return left;
  }

  #and(): LabelFilter {
    let left = this.#primary();
    for (;;) {
      if (this.#peekIdent('and') || this.#isPunct(',')) this.#i++;
      else if (!(this.#peek().kind === 'ident' && !this.#peekIdent('or')) && !this.#isPunct('(')) break;
      left = { kind: 'and', left, right: this.#primary() };
    }
    return left;
  }

  #primary(): LabelFilter {
    if (this.#acceptPunct('(')) {
      const inner = this.#or();
      this.#expectPunct(')', "')'");
      return inner;
    }
    const name = this.#expectIdent('a label name (a label filter such as level="error")');
    const opToken = this.#peek();
    const op = this.#expectOp(new Set([...MATCH_OPS, ...NUM_OPS]), 'a comparison (= != =~ !~ == > >= < <=)');
    const value = this.#peek();
    if (value.kind === 'string') {
      if (!MATCH_OPS.has(op)) throw new LogQLError(`'${op}' compares numbers; compare strings with = != =~ !~`, opToken.pos);
      this.#i++;
      return { kind: 'string', name, op: op as MatchOp, value: value.value };
    }
    if (value.kind === 'number') {
      if (!NUM_OPS.has(op)) throw new LogQLError(`'${op}' needs a string value`, opToken.pos);
      this.#i++;
      if (value.unit === '') return { kind: 'number', name, op: (op === '=' ? '==' : op) as NumOp, value: value.value, unit: 'none' };
      const scale = DURATION_SECONDS[value.unit];
      if (scale === undefined) throw new LogQLError(`unsupported unit '${value.unit}' in '${value.text}' (durations such as 250ms, 2s are supported)`, value.pos);
      return { kind: 'number', name, op: (op === '=' ? '==' : op) as NumOp, value: value.value * scale, unit: 'duration' };
    }
    throw new LogQLError('expected a "string" or a number', value.pos);
  }

  #peek(): Token {
    return this.tokens[this.#i] ?? { kind: 'eof', pos: 0 };
  }
  #peekIdent(word: string): boolean {
    const t = this.#peek();
    return t.kind === 'ident' && t.value === word;
  }
  #isPunct(value: string): boolean {
    const t = this.#peek();
    return t.kind === 'punct' && t.value === value;
  }
  #acceptPunct(value: string): boolean {
    if (!this.#isPunct(value)) return false;
    this.#i++;
    return true;
  }
  #expectPunct(value: string, what: string): void {
    if (!this.#acceptPunct(value)) this.#fail(what);
  }
  #expectIdent(what: string): string {
    const t = this.#peek();
    if (t.kind !== 'ident') this.#fail(what);
    this.#i++;
    return (t as { value: string }).value;
  }
  #expectOp(allowed: ReadonlySet<Op>, what: string): Op {
    const t = this.#peek();
    if (t.kind !== 'op' || !allowed.has(t.value)) this.#fail(what);
    this.#i++;
    return (t as { value: Op }).value;
  }
  #expectString(): string {
    const t = this.#peek();
    if (t.kind !== 'string') this.#fail('a "quoted string"');
    this.#i++;
    return (t as { value: string }).value;
  }
  #fail(what: string): never {
    const t = this.#peek();
    const found = t.kind === 'eof' ? 'the end of the query' : t.kind === 'string' ? `"${t.value}"` : `'${'text' in t ? t.text : t.value}'`;
    throw new LogQLError(`expected ${what}, found ${found}`, t.pos);
  }
}

function emptyCompatible(m: LabelMatcher): boolean {
  if (m.op === '=') return m.value === '';
  if (m.op === '!=') return m.value !== '';
  try {
    const matchesEmpty = new RegExp(`^(?:${m.value})$`).test('');
    return m.op === '=~' ? matchesEmpty : !matchesEmpty;
  } catch {
    return false; // an invalid regex is reported when the query is compiled
  }
}
