/**
 * One redaction module for everything that leaves a process boundary: logs, memory, journals, cassettes,
 * reports and tool results sent to a model. It removes (a) the current values of known secret environment
 * variables, wherever they appear, and (b) things that look like secrets by shape.
 */

export const REDACTED = '[REDACTED]';

/** Environment variables whose values are always secrets. Names matching SECRET_NAME below count too. */
export const KNOWN_SECRET_ENV = [
  'ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GITHUB_TOKEN', 'GITHUB_PERSONAL_ACCESS_TOKEN', 'GH_TOKEN',
  'GRAFANA_SERVICE_ACCOUNT_TOKEN', 'GRAFANA_API_KEY', 'E2B_API_KEY', 'FIREBREAK_MCP_TOKEN', 'PGPASSWORD',
  'REDIS_PASSWORD', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
] as const;

const SECRET_NAME = /(?:^|_)(?:TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_KEY|ACCESS_KEY)$/i;
const SECRET_KEY_NAME = /^(?:password|passwd|secret|token|api[_-]?key|apikey|access[_-]?token|refresh[_-]?token|private[_-]?key|client[_-]?secret|authorization)$/i;

// Shapes: each replaces only the secret part and keeps enough context to read the line.
const PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN ((?:[A-Z]+ )*PRIVATE KEY)-----[\s\S]*?-----END \1-----/g, `-----BEGIN $1-----${REDACTED}-----END $1-----`],
  [/\b(Bearer|Basic|token)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
  [/\b(sk-ant-[A-Za-z0-9_-]{8,}|sk-[A-Za-z0-9]{20,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}|glsa_[A-Za-z0-9_]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b/g, REDACTED],
  [/\b((?:password|passwd|pwd|secret|token|api[_-]?key|apikey|access[_-]?token|client[_-]?secret)\s*[=:]\s*)("?)[^\s"'&,;]{1,}\2/gi, `$1$2${REDACTED}$2`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]+:)[^\s@/]+@/gi, `$1${REDACTED}@`],
];

/** Values of secret-looking variables in `env` (at least 6 characters, to avoid redacting "1" or "true"). */
export function secretValuesFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 6) continue;
    if ((KNOWN_SECRET_ENV as readonly string[]).includes(name) || SECRET_NAME.test(name)) values.add(value);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

export interface RedactOptions {
  /** Extra literal secrets to remove (e.g. a token passed on the command line). */
  secrets?: readonly string[];
  /** Environment to take secret values from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Redacts secrets from a string. Cheap enough for every log line and tool result. */
export function redactText(text: string, opts: RedactOptions = {}): string {
  let out = text;
  const literals = opts.secrets ? [...opts.secrets, ...secretValuesFromEnv(opts.env)] : secretValuesFromEnv(opts.env);
  for (const secret of literals) {
    if (secret && out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/**
 * Redacts a JSON-like value deeply: every string is passed through `redactText`, and the value of any key
 * named like a secret (password, token, apiKey, authorization, …) is replaced whole. Returns a new value.
 */
export function redactJson<T>(value: T, opts: RedactOptions = {}): T {
  const resolved: RedactOptions = { secrets: [...(opts.secrets ?? []), ...secretValuesFromEnv(opts.env)], env: {} };
  return walk(value, resolved) as T;
}

function walk(value: unknown, opts: RedactOptions): unknown {
  if (typeof value === 'string') return redactText(value, opts);
  if (Array.isArray(value)) return value.map((v) => walk(v, opts));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = SECRET_KEY_NAME.test(key) && v !== null && v !== undefined && v !== '' ? REDACTED : walk(v, opts);
    }
    return out;
  }
  return value;
}
