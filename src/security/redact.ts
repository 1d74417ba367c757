/**
 * One redaction module for everything that leaves a process boundary: logs, memory, journals, cassettes,
 * reports and tool results sent to a model. It removes (a) the current values of known secret environment
 * variables and any literal secrets the caller names, wherever they appear, and (b) things that look like
 * secrets by shape (PEM keys, bearer tokens, vendor token formats, `password=…`, URL passwords).
 */

export const REDACTED = '[REDACTED]';

/** Environment variables whose values are always secrets. Names matching SECRET_NAME below count too. */
export const KNOWN_SECRET_ENV = [
  'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GITHUB_TOKEN', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'GH_TOKEN',
  'GRAFANA_SERVICE_ACCOUNT_TOKEN', 'GRAFANA_API_KEY', 'E2B_API_KEY', 'FIREBREAK_MCP_TOKEN', 'PGPASSWORD',
  'REDIS_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
] as const;

const SECRET_NAME = /(?:^|_)(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|ACCESS_KEY)$/i;

/**
 * JSON property names whose whole value is a secret, matched on the name's last word after normalising
 * camelCase, kebab-case and dots to snake_case: `password`, `db_password`, `githubToken`, `x-api-key`,
 * `clientSecret`. Plurals and other suffixes are not secrets: `max_tokens`, `token_count`, `secret_name`.
 */
const SECRET_KEY_WORD = /(?:^|_)(?:password|passwd|secret|token|api_?key|apikey|private_?key|access_?key|authorization|cookie)$/;

const WORD_SEP = /[^A-Za-z0-9]+/g;
const CAMEL = /([a-z0-9])([A-Z])/g;

/** True if a JSON property with this name holds a secret (see SECRET_KEY_WORD). */
export function isSecretKeyName(name: string): boolean {
  let verdict = keyVerdicts.get(name);
  if (verdict === undefined) {
    verdict = SECRET_KEY_WORD.test(name.replace(CAMEL, '$1_$2').replace(WORD_SEP, '_').toLowerCase());
    // Property names repeat endlessly (every tool result has the same few); a bounded memo keeps this O(1).
    if (keyVerdicts.size >= 4096) keyVerdicts.clear();
    keyVerdicts.set(name, verdict);
  }
  return verdict;
}

const keyVerdicts = new Map<string, boolean>();

// Shapes: each replaces only the secret part and keeps enough context to read the line.
const KEY_NAMES = 'password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?token|client[_-]?secret';
const PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN ((?:[A-Z]+ )*PRIVATE KEY)-----[\s\S]*?-----END \1-----/g, `-----BEGIN $1-----${REDACTED}-----END $1-----`],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [
    /\b(sk-ant-[A-Za-z0-9_-]{8,}|sk-[A-Za-z0-9]{20,}|(?:sk|rk)_live_[A-Za-z0-9]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glpat-[A-Za-z0-9_-]{20,}|glsa_[A-Za-z0-9_]{20,}|npm_[A-Za-z0-9]{30,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{35})\b/g,
    REDACTED,
  ],
  // JSON Web Tokens: header.payload.signature, the first two base64url-encoded JSON objects.
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, REDACTED],
  // `password=x`, `DB_PASSWORD: x`, `"api_key": "x"` (JSON quoted inside a log line): the name may be the tail
  // of a longer snake_case name, and may be quoted.
  [new RegExp(`(?<![A-Za-z0-9])((?:${KEY_NAMES})["']?\\s*[=:]\\s*)(["']?)[^\\s"'&,;]+\\2`, 'gi'), `$1$2${REDACTED}$2`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${REDACTED}@`],
];

/** Values of secret-looking variables in `env` (at least 6 characters, to avoid redacting "1" or "true"). */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  // Called with `env: {}` on hot paths: no allocation beyond the empty answer then.
  let values: Set<string> | undefined;
  for (const name in env) {
    const value = env[name];
    if (!value || value.length < 6) continue;
    if ((KNOWN_SECRET_ENV as readonly string[]).includes(name) || SECRET_NAME.test(name)) (values ??= new Set()).add(value);
  }
  return values ? [...values].sort((a, b) => b.length - a.length) : [];
}

/**
 * An environment with no secrets, for hot paths that pass the secret values themselves in `secrets`
 * (computed once with `secretValuesFromEnv()`): `{ secrets, env: NO_SECRET_ENV }` skips the environment scan.
 */
export const NO_SECRET_ENV: NodeJS.ProcessEnv = Object.freeze({});
const NO_LITERALS: readonly string[] = Object.freeze([]);

export interface RedactOptions {
  /** Extra literal secrets to remove (e.g. a token passed on the command line). */
  secrets?: readonly string[];
  /** Environment to take secret values from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Every literal to remove, longest first: replacing a short secret inside a longer one first would leave
 * the rest of the longer one behind.
 */
function literalsOf(opts: RedactOptions): readonly string[] {
  const fromEnv = opts.env === NO_SECRET_ENV ? NO_LITERALS : secretValuesFromEnv(opts.env);
  if (!opts.secrets || opts.secrets.length === 0) return fromEnv;
  if (fromEnv.length === 0) {
    // The hot-path form ({ secrets, env: {} }, with the same array every call) sorts once per array.
    let sorted = sortedSecrets.get(opts.secrets);
    if (!sorted) {
      sortedSecrets.set(opts.secrets, (sorted = longestFirst(opts.secrets)));
      memos.set(sorted, new Map());
    }
    return sorted;
  }
  return longestFirst([...opts.secrets, ...fromEnv]);
}

const sortedSecrets = new WeakMap<readonly string[], readonly string[]>();

function longestFirst(secrets: readonly string[]): string[] {
  return [...new Set(secrets)].filter((s) => s.length > 0).sort((a, b) => b.length - a.length);
}

// One cheap test for "could any shape pattern match here?": most strings (metric values, log lines, file
// contents) contain none of these fragments, and then the six replace passes are skipped.
const MAYBE_SHAPED = /PRIVATE KEY|bearer|basic|token|sk-|_live_|gh[pousr]_|github_pat_|glpat-|glsa_|npm_|xox[abpr]-|AKIA|AIza|eyJ|passw|pwd|secret|api[_-]?key|:\/\/[^\s/@]*:[^\s@/]*@/i;

// Short strings (label values, names, ids) repeat across results endlessly; their verdicts are memoised per
// literal set, so the shape test runs once per distinct value rather than once per occurrence.
const MEMO_MAX_LENGTH = 64;
const MEMO_MAX_ENTRIES = 4096;
const NO_LITERALS_MEMO = new Map<string, string>();
const memos = new WeakMap<readonly string[], Map<string, string>>();

function redactWith(text: string, literals: readonly string[]): string {
  if (text.length > MEMO_MAX_LENGTH) return redactUncached(text, literals);
  // Only literal sets that live on (the hot-path form's cached array) get a memo; one-off sets go uncached.
  const memo = literals.length === 0 ? NO_LITERALS_MEMO : memos.get(literals);
  if (memo === undefined) return redactUncached(text, literals);
  let out = memo.get(text);
  if (out === undefined) {
    out = redactUncached(text, literals);
    if (memo.size >= MEMO_MAX_ENTRIES) memo.clear();
    memo.set(text, out);
  }
  return out;
}

function redactUncached(text: string, literals: readonly string[]): string {
  let out = text;
  for (const secret of literals) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  if (!MAYBE_SHAPED.test(out)) return out;
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Redacts secrets from a string. Cheap enough for every log line and tool result.
 * Gotcha: reading `process.env` is the expensive part; in a hot loop pass `env: {}` and the secret values
 * (from `secretValuesFromEnv()`, computed once) in `secrets`.
 */
export function redactText(text: string, opts: RedactOptions = {}): string {
  return redactWith(text, literalsOf(opts));
}

/**
 * Redacts a JSON-like value deeply: every string is passed through `redactText`, and the value of any
 * property named like a secret (password, db_password, githubToken, x-api-key, authorization, …) is replaced
 * whole. Returns a new value; the input is not modified.
 */
export function redactJson<T>(value: T, opts: RedactOptions = {}): T {
  return walk(value, literalsOf(opts)) as T;
}

/**
 * Like `redactJson`, but returns `value` itself when nothing in it needed redacting (and, when something did,
 * copies only the objects and arrays on the way to it). For hot paths that only read the result — a tool
 * result on its way to a model — where a deep copy of every clean answer is pure waste. Never mutates `value`.
 */
export function redactJsonShared<T>(value: T, opts: RedactOptions = {}): T {
  return walkShared(value, literalsOf(opts)) as T;
}

function walk(value: unknown, literals: readonly string[]): unknown {
  if (typeof value === 'string') return redactWith(value, literals);
  if (Array.isArray(value)) return value.map((v) => walk(v, literals));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = isSecretKeyName(key) && v !== null && v !== undefined && v !== '' ? REDACTED : walk(v, literals);
    }
    return out;
  }
  return value;
}

function walkShared(value: unknown, literals: readonly string[]): unknown {
  if (typeof value === 'string') return redactWith(value, literals);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v: unknown = value[i];
      const r = walkShared(v, literals);
      if (r !== v) (out ??= value.slice())[i] = r;
    }
    return out ?? value;
  }
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[key];
    const r = isSecretKeyName(key) && v !== null && v !== undefined && v !== '' ? REDACTED : walkShared(v, literals);
    if (r !== v) (out ??= { ...value })[key] = r;
  }
  return out ?? value;
}
