import { parseArgs } from 'node:util';
import { z } from 'zod';

/** Toolsets, named as in github/github-mcp-server. */
export const TOOLSETS = ['repos', 'pull_requests', 'issues', 'actions'] as const;
export type Toolset = (typeof TOOLSETS)[number];

/** Bad options or environment for the github server; the message names the field. */
export class GithubConfigError extends Error {
  override readonly name = 'GithubConfigError';
}

export const GithubServerOptionsSchema = z.object({
  /** Personal access token / installation token. Optional: the forge may run without auth. */
  token: z.string().min(1).optional(),
  /** REST base URL: https://api.github.com, https://HOST/api/v3 for GHES, or a lab forge's url. */
  apiUrl: z.url().default('https://api.github.com'),
  /** Register read tools only (github-mcp-server's --read-only). */
  readOnly: z.boolean().default(false),
  toolsets: z.array(z.enum(TOOLSETS)).min(1).default([...TOOLSETS]),
  /**
   * Client-side pacing of writes (octokit's throttling: 1 s between writes, 3 s between notifying ones),
   * as GitHub asks of integrations. Default: on, except for loopback API URLs (a lab forge).
   */
  throttle: z.boolean().optional(),
  userAgent: z.string().min(1).default('firebreak-github-mcp'),
});

export type GithubServerOptions = z.input<typeof GithubServerOptionsSchema>;
export type ResolvedGithubOptions = z.output<typeof GithubServerOptionsSchema>;

/** Validates options, throwing GithubConfigError naming the bad field. */
export function resolveGithubOptions(input: GithubServerOptions): ResolvedGithubOptions {
  const parsed = GithubServerOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GithubConfigError(`github server option '${issue?.path.join('.') ?? ''}': ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** Command-line options of `firebreak tools github`, as shown in its usage text. */
export const GITHUB_USAGE = [
  '  --read-only              register read tools only',
  `  --toolsets a,b           toolsets to enable: ${TOOLSETS.join(', ')}, or all (default: all)`,
  '  --api-url URL            REST API base (default https://api.github.com; GHES: https://HOST/api/v3)',
  '  env: GITHUB_PERSONAL_ACCESS_TOKEN or GITHUB_TOKEN (token), GITHUB_API_URL, GITHUB_TOOLSETS, GITHUB_READ_ONLY=1',
].join('\n');

function parseToolsets(raw: string, source: string): Toolset[] {
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.includes('all')) return [...TOOLSETS];
  for (const name of names) {
    if (!(TOOLSETS as readonly string[]).includes(name)) {
      throw new GithubConfigError(`${source}: unknown toolset '${name}' (known: ${TOOLSETS.join(', ')}, all)`);
    }
  }
  if (names.length === 0) throw new GithubConfigError(`${source}: no toolsets given`);
  return names as Toolset[];
}

/**
 * Parses `firebreak tools github` arguments and environment into server options, like github-mcp-server:
 * flags win over environment. The token comes only from the environment (never argv, which `ps` shows).
 */
export function parseGithubArgs(argv: string[], env: NodeJS.ProcessEnv): ResolvedGithubOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: { 'read-only': { type: 'boolean' }, toolsets: { type: 'string' }, 'api-url': { type: 'string' } },
    }));
  } catch (error) {
    throw new GithubConfigError(error instanceof Error ? error.message : String(error));
  }
  const token = env.GITHUB_PERSONAL_ACCESS_TOKEN || env.GITHUB_TOKEN || undefined;
  const apiUrl = values['api-url'] ?? (env.GITHUB_API_URL || undefined);
  const toolsets = values.toolsets !== undefined ? parseToolsets(values.toolsets, '--toolsets') : env.GITHUB_TOOLSETS ? parseToolsets(env.GITHUB_TOOLSETS, 'GITHUB_TOOLSETS') : undefined;
  const readOnly = values['read-only'] === true || /^(1|true|yes)$/i.test(env.GITHUB_READ_ONLY ?? '');
  return resolveGithubOptions({ ...(token ? { token } : {}), ...(apiUrl ? { apiUrl } : {}), ...(toolsets ? { toolsets } : {}), readOnly });
}
