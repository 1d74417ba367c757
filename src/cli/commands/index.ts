import type { Command } from '../command.js';
import { approveCommand } from './approve.js';
import { doctorCommand } from './doctor.js';
import { drillCommand } from './drill.js';
import { incidentsCommand } from './incidents.js';
import { respondCommand } from './respond.js';
import { serveCommand } from './serve.js';
import { labCommand } from './lab.js';
import { mcpCommand } from './mcp.js';
import { toolsCommand } from './tools.js';
import { workerCommand } from './worker.js';

// Each sub-command lives in its own file; add one import and one entry per command.

export const commands: readonly Command[] = [toolsCommand, workerCommand, drillCommand, labCommand, doctorCommand, respondCommand, approveCommand, serveCommand, incidentsCommand, mcpCommand];
