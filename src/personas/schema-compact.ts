/**
 * Tool definitions are part of every request's fixed context. Before they are offered they are compacted,
 * at the lowest level that fits the persona's fixed-context budget (see offer.ts):
 *   0  drop what tells a model nothing: `$schema`, ±(2^53-1) integer bounds, and the parameters the
 *      runtime fills itself (`idempotencyKey`: the loop forwards the run journal's key; a model choosing
 *      its own would defeat de-duplication on resume);
 *   1  also drop validation-only keywords (lengths, patterns, numeric bounds, formats, titles, examples):
 *      arguments are still checked against the FULL schema, so a violation comes back as an error result;
 *   2  also trim descriptions: tools to two sentences (240 chars), parameters to one (100 chars);
 *   3  tools to one sentence (160), parameters to 60 chars;
 *   4  tools to one sentence (120), parameter descriptions dropped (names, types and enums remain).
 * Deterministic: the same tools always give the same offer, so prompt caching keeps working.
 */
export const RUNTIME_PARAMETERS: readonly string[] = ['idempotencyKey'];
export const MAX_COMPACTION = 4;

const VALIDATION_ONLY = new Set([
  'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', 'uniqueItems', 'minimum', 'maximum', 'exclusiveMinimum',
  'exclusiveMaximum', 'multipleOf', 'format', 'title', 'examples', '$comment', 'minProperties', 'maxProperties',
]);
const TOOL_TEXT: Record<number, [number, number]> = { 2: [2, 240], 3: [1, 160], 4: [1, 120] };
const PARAM_TEXT: Record<number, [number, number]> = { 2: [1, 100], 3: [1, 60] };

/** A tool's description at compaction `level`. */
export function compactDescription(text: string, level: number): string {
  const limit = TOOL_TEXT[level];
  return limit ? sentences(text, limit[0], limit[1]) : text;
}

/** A JSON Schema at compaction `level`; `hide` lists parameters the runtime fills. */
export function compactSchema(schema: Record<string, unknown>, level = 0, hide: readonly string[] = RUNTIME_PARAMETERS): Record<string, unknown> {
  const out = walk(schema, level, false) as Record<string, unknown>;
  delete out['$schema'];
  const props = out['properties'];
  if (isObject(props) && hide.some((h) => h in props)) {
    out['properties'] = Object.fromEntries(Object.entries(props).filter(([k]) => !hide.includes(k)));
    if (Array.isArray(out['required'])) out['required'] = (out['required'] as unknown[]).filter((k) => !hide.includes(String(k)));
  }
  return out;
}

const forValidation = new WeakMap<object, Record<string, unknown>>();

/**
 * The FULL schema the model's arguments are checked against: everything kept, except that runtime-filled
 * parameters are no longer required (the loop removes them from the model's arguments; the tool host adds
 * its own). Cached per schema object.
 */
export function validationSchema(schema: Record<string, unknown>): Record<string, unknown> {
  let out = forValidation.get(schema);
  if (!out) {
    const required = schema['required'];
    out = Array.isArray(required) && required.some((k) => RUNTIME_PARAMETERS.includes(String(k)))
      ? { ...schema, required: required.filter((k) => !RUNTIME_PARAMETERS.includes(String(k))) }
      : schema;
    forValidation.set(schema, out);
  }
  return out;
}

// `inProperties`: the keys of this object are parameter names, not schema keywords.
function walk(value: unknown, level: number, inProperties: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => walk(v, level, false));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (inProperties) {
      out[key] = walk(v, level, false);
      continue;
    }
    if ((key === 'maximum' && v === Number.MAX_SAFE_INTEGER) || (key === 'minimum' && v === Number.MIN_SAFE_INTEGER)) continue;
    if (level >= 1 && VALIDATION_ONLY.has(key)) continue;
    if (key === 'description' && typeof v === 'string') {
      if (level >= 4) continue;
      const limit = PARAM_TEXT[level];
      out[key] = limit ? sentences(v, limit[0], limit[1]) : v;
      continue;
    }
    out[key] = walk(v, level, key === 'properties' || key === 'patternProperties' || key === '$defs' || key === 'definitions');
  }
  return out;
}

/**
 * One sentence: up to a `.`, `!` or `?` followed by white space or the end — not a dot inside a word
 * (`service.config.json`, `v1.2`) and not one ending a common abbreviation (`e.g.`, `i.e.`, `etc.`, `vs.`).
 */
const SENTENCE = /[\s\S]+?(?:(?<!\b(?:e\.g|i\.e|etc|vs|cf|approx))[.!?]+(?=\s|$)|$)/g;

/** The first `count` sentences of `text`, at most `max` characters (cut at a word, with an ellipsis). */
function sentences(text: string, count: number, max: number): string {
  const all = text.trim().match(SENTENCE) ?? [text];
  // Labelled hints ("WORKFLOW: a -> b.", "DISCOVERY: …", mcp-grafana's style) say less than the sentence that
  // says what the tool does; keep them only when nothing else is left.
  const plain = all.filter((p) => !/^\s*[A-Z][A-Z_ ]{2,}:/.test(p));
  const parts = plain.length > 0 ? plain : all;
  let out = parts.slice(0, count).join('').trim();
  if (out.length > max) out = out.slice(0, out.lastIndexOf(' ', max - 1) > max / 2 ? out.lastIndexOf(' ', max - 1) : max - 1).trimEnd() + '…';
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
