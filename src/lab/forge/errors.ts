import type { z } from 'zod';

const DOCS = 'https://docs.github.com/rest';

/** One entry of GitHub's `errors` array on a 422. */
export interface GithubFieldError {
  readonly resource: string;
  readonly code: string;
  readonly field?: string;
  readonly message?: string;
}

/**
 * An HTTP error the forge answers with GitHub's body shape `{ message, documentation_url, errors? }`.
 * Route handlers throw it; the server turns it into the response.
 */
export class ForgeHttpError extends Error {
  override readonly name = 'ForgeHttpError';
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: readonly GithubFieldError[],
  ) {
    super(message);
  }

  /** The JSON body GitHub would send. */
  body(): Record<string, unknown> {
    return { message: this.message, documentation_url: DOCS, status: String(this.status), ...(this.errors ? { errors: this.errors } : {}) };
  }
}

export const notFound = (): ForgeHttpError => new ForgeHttpError(404, 'Not Found');

export const unprocessable = (message: string, errors?: readonly GithubFieldError[]): ForgeHttpError =>
  new ForgeHttpError(422, message, errors);

export const conflict = (message: string): ForgeHttpError => new ForgeHttpError(409, message);

/** Validates a request body against a zod schema, failing with GitHub's 422 wording for the first bad field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, resource: string): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join('.') ?? '';
  const missing = issue?.code === 'invalid_type' && /received undefined/.test(issue.message);
  const message = missing ? `Invalid request.\n\n"${field}" wasn't supplied.` : `Invalid request.\n\nFor '${field}', ${issue?.message ?? 'invalid value'}.`;
  throw unprocessable(message, [{ resource, field, code: missing ? 'missing_field' : 'invalid' }]);
}
