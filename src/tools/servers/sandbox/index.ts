export { createSandboxServer, type SandboxServerOptions } from './server.js';
export { openSandbox, Sandbox, type RunCodeRequest, type RunCommandRequest, type RunResult, type SandboxOptions } from './sandbox.js';
export { parseSandboxConfig, type IsolationKind, type SandboxConfig, type SandboxConfigInput, type SandboxLimits } from './config.js';
export { parseSandboxArgs, SANDBOX_USAGE } from './args.js';
export { SandboxConfigError, SandboxError, SandboxRequestError, SandboxUnavailableError } from './errors.js';
export { LANGUAGES, type Language } from './languages.js';
export { BWRAP_MISSING_HINT } from './resolve-backend.js';
