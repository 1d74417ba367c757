import { LogQLError } from '../errors.js';
import type { LabelFilter, LabelMatcher, LogQLQuery, Stage } from './logql-parser.js';

/** One log line as the evaluator sees it. `fields` is the line's JSON object when it is one. */
export interface LogLine {
  line: string;
  fields: Record<string, unknown> | undefined;
  /** Loki 3's detected_level (structured metadata): filterable without a parser stage. */
  detectedLevel: string;
}

export interface CompiledQuery {
  /** Whether a stream (a file) with these labels is selected at all. */
  selects(streamLabels: Readonly<Record<string, string>>): boolean;
  /** Runs the pipeline; true keeps the line. */
  keeps(entry: LogLine, streamLabels: Readonly<Record<string, string>>): boolean;
}

const MAX_REGEX_CHARS = 1_000;

/** Compiles a parsed query once (regexes included); invalid regexes fail here with a clear error. */
export function compileLogQL(query: LogQLQuery): CompiledQuery {
  const matchers = query.matchers.map((m) => ({ ...m, test: matcherTest(m) }));
  const stages = query.stages.map(compileStage);
  return {
    selects: (labels) => matchers.every((m) => m.test(labels[m.name] ?? '')),
    keeps(entry, streamLabels) {
      let labels: Record<string, string> | undefined;
      for (const stage of stages) {
        if (stage.kind === 'line') {
          if (!stage.test(entry.line)) return false;
        } else if (stage.kind === 'parser') {
          labels = { ...(labels ?? baseLabels(streamLabels, entry)), ...extract(stage.format, entry, streamLabels) };
        } else if (!stage.test(labels ?? (labels = baseLabels(streamLabels, entry)))) {
          return false;
        }
      }
      return true;
    },
  };
}

type CompiledStage =
  | { kind: 'line'; test: (line: string) => boolean }
  | { kind: 'parser'; format: 'json' | 'logfmt' }
  | { kind: 'filter'; test: (labels: Record<string, string>) => boolean };

function compileStage(stage: Stage): CompiledStage {
  switch (stage.kind) {
    case 'line': {
      const { op, values } = stage;
      if (op === '|=' || op === '!=') {
        const hit = (line: string): boolean => values.some((v) => line.includes(v));
        return { kind: 'line', test: op === '|=' ? hit : (line) => !hit(line) };
      }
      const regexes = values.map((v) => regex(v, false));
      const hit = (line: string): boolean => regexes.some((r) => r.test(line));
      return { kind: 'line', test: op === '|~' ? hit : (line) => !hit(line) };
    }
    case 'parser':
      return stage;
    case 'filter':
      return { kind: 'filter', test: filterTest(stage.filter) };
  }
}

function matcherTest(m: LabelMatcher): (value: string) => boolean {
  switch (m.op) {
    case '=': return (v) => v === m.value;
    case '!=': return (v) => v !== m.value;
    case '=~': {
      const r = regex(m.value, true);
      return (v) => r.test(v);
    }
    case '!~': {
      const r = regex(m.value, true);
      return (v) => !r.test(v);
    }
  }
}

function filterTest(filter: LabelFilter): (labels: Record<string, string>) => boolean {
  switch (filter.kind) {
    case 'and': {
      const [l, r] = [filterTest(filter.left), filterTest(filter.right)];
      return (labels) => l(labels) && r(labels);
    }
    case 'or': {
      const [l, r] = [filterTest(filter.left), filterTest(filter.right)];
      return (labels) => l(labels) || r(labels);
    }
    case 'string': {
      const test = matcherTest(filter);
      // A missing label compares as "", as in Loki.
      return (labels) => test(labels[filter.name] ?? '');
    }
    case 'number': {
      const { name, op, value, unit } = filter;
      return (labels) => {
        const raw = labels[name];
        if (raw === undefined || raw === '') return false;
        const n = unit === 'duration' ? durationSeconds(raw) : Number(raw);
        if (n === undefined || Number.isNaN(n)) return false; // not a number: the line does not match
        switch (op) {
          case '==': return n === value;
          case '!=': return n !== value;
          case '>': return n > value;
          case '>=': return n >= value;
          case '<': return n < value;
          case '<=': return n <= value;
        }
      };
    }
  }
}

function regex(source: string, anchored: boolean): RegExp {
  if (source.length > MAX_REGEX_CHARS) throw new LogQLError(`regular expression is longer than ${MAX_REGEX_CHARS} characters`);
  // RE2 (Loki's engine) writes flags inline, as in (?i)error; JavaScript takes them separately.
  const inline = /^\(\?([ims]+)\)/.exec(source);
  const flags = inline ? [...new Set(inline[1])].join('') : '';
  const body = inline ? source.slice(inline[0].length) : source;
  try {
    return new RegExp(anchored ? `^(?:${body})$` : body, flags);
  } catch (err) {
    throw new LogQLError(`invalid regular expression "${source}": ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

function baseLabels(stream: Readonly<Record<string, string>>, entry: LogLine): Record<string, string> {
  return { ...stream, detected_level: entry.detectedLevel };
}

/** Parser stages: JSON keys flattened with `_` (arrays skipped), as Loki's `| json` does; or logfmt pairs. */
function extract(format: 'json' | 'logfmt', entry: LogLine, stream: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (key: string, value: string): void => {
    const clean = key.replace(/[^A-Za-z0-9_]/g, '_').replace(/^(?=\d)/, '_');
    out[clean in stream ? `${clean}_extracted` : clean] = value;
  };
  if (format === 'json') {
    if (!entry.fields) return { __error__: 'JSONParserErr' };
    flatten(entry.fields, '', put);
    return out;
  }
  for (const m of entry.line.matchAll(/([A-Za-z_][\w.-]*)=(?:"((?:[^"\\]|\\.)*)"|(\S*))/g)) {
    put(m[1] ?? '', m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : (m[3] ?? ''));
  }
  return out;
}

function flatten(obj: Record<string, unknown>, prefix: string, put: (k: string, v: string) => void, depth = 0): void {
  if (depth > 16) return;
  for (const [key, value] of Object.entries(obj)) {
    const name = prefix ? `${prefix}_${key}` : key;
    if (value === null || value === undefined) put(name, '');
    else if (Array.isArray(value)) continue;
    else if (typeof value === 'object') flatten(value as Record<string, unknown>, name, put, depth + 1);
    else put(name, String(value));
  }
}

/** Go-style durations ("1.5s", "250ms", "2m3s") in seconds; plain numbers are seconds. */
function durationSeconds(text: string): number | undefined {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  const units: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1);
    matched += m[0];
  }
  return matched === text && matched !== '' ? total : undefined;
}
