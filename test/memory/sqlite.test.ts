import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backendConformance } from './conformance.js';
import { sqliteDump } from './raw.js';

const dir = mkdtempSync(join(tmpdir(), 'firebreak-memory-'));
const file = join(dir, 'memory.db');

backendConformance({
  name: 'sqlite',
  shared: true,
  url: `sqlite:${file}?prefix=conf_`,
  rawDump: async () => sqliteDump(file),
  cleanup: async () => rmSync(dir, { recursive: true, force: true }),
});
