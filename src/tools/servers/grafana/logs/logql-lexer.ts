import { LogQLError } from '../errors.js';

/** The tokens of the LogQL subset the file log backend understands. */
export type Token =
  | { kind: 'punct'; value: '{' | '}' | '(' | ')' | ',' | '|'; pos: number }
  | { kind: 'op'; value: Op; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; unit: string; text: string; pos: number }
  | { kind: 'ident'; value: string; pos: number }
  | { kind: 'eof'; pos: number };

export type Op = '=' | '!=' | '=~' | '!~' | '|=' | '|~' | '==' | '>' | '>=' | '<' | '<=';

// Longest first, so `|=` wins over `|` and `>=` over `>`.
const OPS: readonly Op[] = ['|=', '|~', '!=', '!~', '=~', '==', '>=', '<=', '=', '>', '<'];
const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[a-zA-Z]+)?/y;
const MAX_QUERY_CHARS = 10_000;

/** Splits a LogQL query into tokens; throws LogQLError at the first character it cannot read. */
export function tokenize(query: string): Token[] {
  if (query.length > MAX_QUERY_CHARS) throw new LogQLError(`query is longer than ${MAX_QUERY_CHARS} characters`);
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    const op = OPS.find((o) => query.startsWith(o, i));
    if (op) {
      tokens.push({ kind: 'op', value: op, pos: i });
      i += op.length;
      continue;
    }
    if ('{}(),|'.includes(c)) {
      tokens.push({ kind: 'punct', value: c as '{', pos: i });
      i++;
      continue;
    }
    if (c === '"') {
      const [value, end] = readQuoted(query, i);
      tokens.push({ kind: 'string', value, pos: i });
      i = end;
      continue;
    }
    if (c === '`') {
      const end = query.indexOf('`', i + 1);
      if (end < 0) throw new LogQLError('unterminated `raw string`', i);
      tokens.push({ kind: 'string', value: query.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    if (/[-\d]/.test(c)) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(query);
      if (m) {
        const text = m[0];
        const unitAt = text.search(/[a-zA-Z]/);
        const unit = unitAt < 0 ? '' : text.slice(unitAt);
        tokens.push({ kind: 'number', value: Number(unitAt < 0 ? text : text.slice(0, unitAt)), unit, text, pos: i });
        i += text.length;
        continue;
      }
    }
    IDENT.lastIndex = i;
    const ident = IDENT.exec(query);
    if (ident) {
      tokens.push({ kind: 'ident', value: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    throw new LogQLError(`unexpected character '${c}'`, i);
  }
  tokens.push({ kind: 'eof', pos: query.length });
  return tokens;
}

/** Reads a Go-style double-quoted string starting at `start`; returns its value and the index after it. */
function readQuoted(query: string, start: number): [string, number] {
  let out = '';
  for (let i = start + 1; i < query.length; i++) {
    const c = query[i];
    if (c === '"') return [out, i + 1];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = query[++i];
    switch (next) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case undefined: throw new LogQLError('unterminated string', start);
      // Regexes are written as "\\d+" in LogQL; keep unknown escapes (\d, \w, \.) for the regex engine.
      default: out += '\\' + next;
    }
  }
  throw new LogQLError('unterminated string', start);
}
