import { RequestError } from 'octokit';
import { redactText } from '../../../security/redact.js';

/** A tool argument combination the GitHub API would reject; raised before any request is made. */
export class GithubToolInputError extends Error {
  override readonly name = 'GithubToolInputError';
}

// What the model should do next, by status: the point of an error result is to be actionable.
const HINTS: Record<number, string> = {
  401: 'the token is missing, expired or wrong (set GITHUB_PERSONAL_ACCESS_TOKEN or GITHUB_TOKEN)',
  403: 'the token lacks permission for this, or a rate limit was hit',
  404: 'check owner, repo, branch, path or number (private repositories also answer 404 without access)',
  405: 'the pull request cannot be merged as it is (already merged, closed, draft or conflicting)',
  409: 'the branch or file changed since you read it: fetch the latest sha and retry',
  422: 'GitHub rejected the request as invalid',
};

interface GithubErrorBody {
  message?: string;
  errors?: { message?: string; field?: string; code?: string; resource?: string }[];
}

/**
 * Turns any failure of a GitHub call into one line for a tool result: the status, GitHub's own message and
 * field errors, and a hint. The token is never included (octokit redacts headers; we redact again).
 */
export function describeGithubError(action: string, error: unknown, token: string | undefined): string {
  let text: string;
  if (error instanceof RequestError) {
    const body = (error.response?.data ?? {}) as GithubErrorBody;
    const details = (body.errors ?? [])
      .map((e) => e.message ?? [e.resource, e.field, e.code].filter(Boolean).join(' '))
      .filter(Boolean)
      .join('; ');
    const message = [body.message ?? error.message, details].filter(Boolean).join(': ');
    const hint = HINTS[error.status];
    text = `${action} failed: GitHub API returned ${error.status}${message ? ` (${message})` : ''}${hint ? `; ${hint}` : ''}`;
  } else if (error instanceof GithubToolInputError) {
    text = `${action}: ${error.message}`;
  } else {
    text = `${action} failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  return redactText(text, token ? { secrets: [token] } : {});
}

/** The HTTP status of a failed GitHub call, or undefined for anything else. */
export function statusOf(error: unknown): number | undefined {
  return error instanceof RequestError ? error.status : undefined;
}
