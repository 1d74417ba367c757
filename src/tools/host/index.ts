export { connectTools, type ToolHost, type ServerHealth } from './tool-host.js';
export { resolveHostConfig, type ToolHostConfig, type ServerPolicy } from './config.js';
export type { ServerEntry } from './server-entry.js';
export type { ServerStatus } from './connection.js';
export type { ToolHostEvent, ToolHostListener, ToolCallRecord, CallOutcome, ServerState } from './events.js';
export { ToolHostConfigError, ServerUnavailableError, ServerStartError, ToolHostClosedError } from './errors.js';
