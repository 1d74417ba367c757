import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** System directories searched for helper binaries; the same ones a sandboxed run sees on its PATH. */
export const SYSTEM_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * The PATH a run gets: the directory of firebreak's Node as the run sees it (`nodeBinDir`) first, then the
 * standard system directories, nothing user-specific. Runs use firebreak's Node (not whatever `node` the
 * host PATH has), so `run_code` behaves the same everywhere and TypeScript type stripping is available.
 */
export function safePath(nodeBinDir: string): string {
  return [nodeBinDir, ...SYSTEM_BIN_DIRS.filter((dir) => dir !== nodeBinDir)].join(':');
}

/**
 * Finds an executable by name in `dirs` (default: the host PATH, then the system directories).
 * Resolves the absolute path, or undefined.
 */
export async function findExecutable(name: string, dirs?: string[]): Promise<string | undefined> {
  const search = dirs ?? [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SYSTEM_BIN_DIRS];
  for (const dir of search) {
    const candidate = join(dir, name);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}
