/**
 * `${VAR}` expansion for MCP server configs, as IDE clients do it: `${VAR}` and `${VAR:-fallback}` (Claude
 * Code), `${env:VAR}` (VS Code, Cursor). A reference to a missing variable without a fallback is an error
 * naming the field, never a silent empty string: an empty token would fail much later with a confusing
 * 401. VS Code's `${input:id}` prompts have no equivalent outside an editor and are reported as such.
 */

const REFERENCE = /\$\{(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const INPUT = /\$\{input:([^}]*)\}/;

export interface ExpansionIssue {
  path: string;
  message: string;
}

/** Expands every `${VAR}` in `value`; missing variables are reported in `issues` under `path`. */
export function expandEnvRefs(value: string, env: NodeJS.ProcessEnv, path: string, issues: ExpansionIssue[]): string {
  if (!value.includes('${')) return value;
  const input = INPUT.exec(value);
  if (input) issues.push({ path, message: `\${input:${input[1]}} is a VS Code prompt; outside VS Code use \${env:VAR} or \${VAR}` });
  return value.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
    const found = env[name];
    if (found !== undefined && found !== '') return found;
    if (fallback !== undefined) return fallback;
    issues.push({ path, message: `environment variable ${name} is not set (use \${${name}:-default} for a fallback)` });
    return '';
  });
}

/** Expands every value of a string map (env, headers); keys are left alone. */
export function expandEnvMap(
  map: Record<string, string>,
  env: NodeJS.ProcessEnv,
  path: string,
  issues: ExpansionIssue[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(map)) out[key] = expandEnvRefs(value, env, `${path}.${key}`, issues);
  return out;
}
