import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';

/** System directories searched for helper binaries; the same ones a sandboxed run sees on its PATH. */
export const SYSTEM_BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/**
 * Directory of the Node binary running firebreak. Runs use this Node (not whatever `node` the host PATH
 * has), so `run_code` behaves the same everywhere and TypeScript type stripping is available.
 */
export function nodeBinDir(): string {
  return dirname(process.execPath);
}

/** The PATH a run gets: firebreak's Node first, then the standard system directories, nothing user-specific. */
export function safePath(): string {
  return [nodeBinDir(), ...SYSTEM_BIN_DIRS].join(':');
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
