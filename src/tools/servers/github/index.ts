export { createGithubServer, type GithubServerDeps } from './server.js';
export { githubServerFromArgs, githubBuiltin } from './cli.js';
export { GITHUB_USAGE, GithubConfigError, parseGithubArgs, resolveGithubOptions, TOOLSETS, type GithubServerOptions, type ResolvedGithubOptions, type Toolset } from './options.js';
export { IdempotencyCache, bodyMarker, commitTrailer } from './idempotency.js';
export { describeGithubError, GithubToolInputError } from './errors.js';
