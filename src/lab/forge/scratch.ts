import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initRepo } from './repo-init.js';
import { startForge, type Forge, type ForgeOptions } from './server.js';

export interface ScratchForgeOptions extends Omit<ForgeOptions, 'repoDir'> {
  /** Seed files for the initial commit on `main` (path -> UTF-8 content). */
  readonly files?: Readonly<Record<string, string>>;
  /** Or a directory to copy as the initial commit. */
  readonly fromDir?: string;
}

/**
 * Starts a forge over a brand-new repository in a temporary directory: what a drill (or a test) wants
 * when it needs "a GitHub with this code in it". `stop()` also deletes the repository.
 */
export async function startScratchForge(options: ScratchForgeOptions): Promise<Forge> {
  const dir = await mkdtemp(join(tmpdir(), 'firebreak-forge-'));
  const repoDir = join(dir, `${options.repo}.git`);
  try {
    await initRepo({ repoDir, ...(options.files ? { files: options.files } : {}), ...(options.fromDir ? { fromDir: options.fromDir } : {}) });
    const forge = await startForge({ ...options, repoDir });
    let stopped: Promise<void> | undefined;
    return {
      ...forge,
      stop() {
        stopped ??= forge.stop().then(() => rm(dir, { recursive: true, force: true }));
        return stopped;
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
