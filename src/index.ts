// The public API of firebreak. Test helpers live in 'firebreak/testing'.
export * from './primitives/index.js';
export * from './models/index.js';
export * from './personas/index.js';
export * from './tools/host/index.js';
export type { ToolSpec, ToolResult, ToolSet, ToolCallOptions, ToolAnnotations, ToolContent } from './tools/types.js';
export { resultText } from './tools/types.js';
export { createGrafanaServer, grafanaServerFactory, type GrafanaServerOptions } from './tools/servers/grafana/index.js';
export { createGithubServer, type GithubServerOptions } from './tools/servers/github/index.js';
export { createSandboxServer, openSandbox, type SandboxOptions, type RunResult as SandboxRunResult } from './tools/servers/sandbox/index.js';
export { serveStdio, serveHttp } from './tools/servers/serve.js';
export { redactText, redactJson, REDACTED } from './security/redact.js';
export * from './runners/index.js';
export * from './drills/index.js';
export * from './memory/index.js';
export * from './mcp-server/index.js';
export * from './workflows/index.js';
export * from './config/index.js';
export * from './serve/index.js';
