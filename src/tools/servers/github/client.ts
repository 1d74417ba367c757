import { Octokit } from 'octokit';
import type { Logger } from 'pino';
import type { ResolvedGithubOptions } from './options.js';

// Statuses that are answers, not transient failures: retrying a 409 or 405 cannot change the outcome.
const DO_NOT_RETRY = [400, 401, 403, 404, 405, 409, 410, 422, 451];

function isLoopback(apiUrl: string): boolean {
  const host = new URL(apiUrl).hostname;
  return host === '127.0.0.1' || host === 'localhost' || host === '[::1]' || host === '::1';
}

/**
 * Creates the octokit client the tools use: retries transient errors, honours rate-limit responses, and
 * (unless talking to a loopback forge) paces writes as GitHub asks. Octokit's own logging goes to `logger`,
 * whose output never contains the token (octokit redacts the Authorization header).
 */
export function createOctokit(options: ResolvedGithubOptions, logger: Logger): Octokit {
  const log = logger.child({ component: 'octokit' });
  return new Octokit({
    ...(options.token ? { auth: options.token } : {}),
    baseUrl: options.apiUrl.replace(/\/+$/, ''),
    userAgent: options.userAgent,
    retry: { doNotRetry: DO_NOT_RETRY },
    throttle: {
      enabled: options.throttle ?? !isLoopback(options.apiUrl),
      onRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        log.warn({ retryAfter, method: request.method, url: request.url }, 'GitHub rate limit hit');
        return retryCount < 1;
      },
      onSecondaryRateLimit: (retryAfter: number, request: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
        log.warn({ retryAfter, method: request.method, url: request.url }, 'GitHub secondary rate limit hit');
        return retryCount < 1;
      },
    },
    log: {
      debug: (message: string) => log.debug(message),
      info: (message: string) => log.info(message),
      warn: (message: string) => log.warn(message),
      error: (message: string) => log.error(message),
    },
  });
}
