import type { Command } from '../command.js';

// Each sub-command lives in its own file; add one import and one entry per command.

export const commands: readonly Command[] = [];
