import { readdir, readlink, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * Where bwrap runs see firebreak's Node when it lives outside the system directories: a fixed path whose
 * parents the sandbox creates 0755, so the run's uid can reach it wherever the host keeps Node — typically
 * `/root/.nvm` (/root is 0700), which the dropped uid 65534 could never traverse at its host path.
 */
export const SANDBOX_NODE_DIR = '/run/firebreak/node';

/** Top-level directories whose whole tree the sandbox already shows read-only at the same path. */
export const SYSTEM_ROOTS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** The Node binary a bwrap run uses and the mounts that make it visible. */
export interface SandboxNode {
  /** Its path inside the sandbox: the first `node` on the run's PATH and the interpreter of run_code JS/TS. */
  execPath: string;
  /** bwrap `--ro-bind HOST DEST` / `--symlink TARGET DEST` arguments (empty when Node is in a system directory). */
  mounts: string[];
}

/**
 * Finds the Node running firebreak (symlinks resolved) and how a bwrap run reaches it.
 *
 * In a system directory (`/usr/bin/node`): as is, at the same path. Elsewhere, only what a run needs is
 * bound read-only under `SANDBOX_NODE_DIR`, never the directory around it (Node may sit in a home, or in
 * `~/.local/bin` beside unrelated files): the binary itself at `bin/node`, and for the usual
 * `PREFIX/bin/node` layout `PREFIX/lib/node_modules` plus the relative links of `PREFIX/bin` that point
 * into it, so `npm`, `npx`, `corepack` and global CLIs next to Node keep working. bwrap resolves mount
 * sources as root, so a private source is fine; the run then only needs the binary's own mode to let it
 * execute (`resolve-backend.ts` probes that at startup).
 *
 * Gotcha: inside the run, `process.execPath` is the sandbox path, not firebreak's.
 */
export async function resolveSandboxNode(execPath: string = process.execPath): Promise<SandboxNode> {
  const real = await realpath(execPath);
  if (SYSTEM_ROOTS.some((root) => isUnder(real, root))) return { execPath: real, mounts: [] };
  const binDir = dirname(real);
  const sandboxBin = join(SANDBOX_NODE_DIR, 'bin');
  const execPathInside = join(sandboxBin, 'node'); // whatever the host calls it (nodejs, node22): `node` on PATH
  const mounts = ['--ro-bind', real, execPathInside];
  const modules = join(dirname(binDir), 'lib', 'node_modules');
  if (basename(binDir) === 'bin' && (await isDirectory(modules))) {
    mounts.push('--ro-bind', modules, join(SANDBOX_NODE_DIR, 'lib', 'node_modules'));
    for (const entry of await readdir(binDir, { withFileTypes: true })) {
      if (!entry.isSymbolicLink() || entry.name === 'node') continue;
      const target = await readlink(join(binDir, entry.name)).catch(() => undefined);
      if (target && !isAbsolute(target) && isUnder(resolve(binDir, target), modules)) mounts.push('--symlink', target, join(sandboxBin, entry.name));
    }
  }
  return { execPath: execPathInside, mounts };
}

const isDirectory = (path: string): Promise<boolean> => stat(path).then((s) => s.isDirectory(), () => false);

/** `path` is `root` or below it. */
export function isUnder(path: string, root: string): boolean {
  return path === root || path.startsWith(root + '/');
}
