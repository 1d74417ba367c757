export { startForge, type Forge, type ForgeOptions } from './server.js';
export { initRepo, openRepo, exportRef, FORGE_IDENTITY, type InitRepoOptions } from './repo-init.js';
export { ForgeEventLog, type ForgeEvent, type ForgeEventBody, type ForgeEventType } from './events.js';
export { ForgeHttpError } from './errors.js';
export { Git, GitCommandError, type GitIdentity } from './git.js';
export type { MergeMethod } from './merge-strategies.js';
export { startScratchForge, type ScratchForgeOptions } from './scratch.js';
