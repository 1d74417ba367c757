import type { Command } from '../command.js';
import { toolsCommand } from './tools.js';
import { workerCommand } from './worker.js';

// Each sub-command lives in its own file; add one import and one entry per command.

export const commands: readonly Command[] = [toolsCommand, workerCommand];
