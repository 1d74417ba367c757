import { realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Ids } from './privileges.js';

/** What a path must grant to `ids` at its last component: search (a directory) or execute (a program). */
export type Access = 'search' | 'execute';

/**
 * Why a process with `ids` and no supplementary groups (setpriv --clear-groups) cannot reach `path`, or
 * undefined when it can: every directory from `/` down must let it search (x for the owner, group or
 * others, whichever class applies, as the kernel checks it), and `path` itself must allow `access`.
 * Symlinks are resolved first. Checks mode bits only (ACLs could grant more; a mount could be noexec).
 *
 * Use it where a run reaches host paths directly (`--isolation process` as root): a Node installed under
 * /root (0700, e.g. by nvm), or a workspace inside a mkdtemp directory, is out of reach of the sandbox uid,
 * and saying so at startup beats a "Permission denied" from every run.
 */
export async function unreachableReason(path: string, ids: Ids, access: Access): Promise<string | undefined> {
  const real = await realpath(path).catch(() => undefined);
  if (!real) return `${path} does not exist`;
  const chain: string[] = [];
  for (let p = dirname(real); ; p = dirname(p)) {
    chain.unshift(p);
    if (p === dirname(p)) break;
  }
  for (const dir of chain) {
    const st = await stat(dir);
    if (!allows(st, ids)) return `${dir} is mode ${modeText(st.mode)} (owner ${st.uid}:${st.gid})`;
  }
  const st = await stat(real);
  if (access === 'search' && !st.isDirectory()) return `${real} is not a directory`;
  if (!allows(st, ids)) return `${real} is mode ${modeText(st.mode)} (owner ${st.uid}:${st.gid})`;
  return undefined;
}

/** Whether `st` grants execute/search to `ids`, through the one class (owner, group, others) the kernel picks. */
function allows(st: { uid: number; gid: number; mode: number }, ids: Ids): boolean {
  const shift = st.uid === ids.uid ? 6 : st.gid === ids.gid ? 3 : 0;
  return ((st.mode >> shift) & 0o1) !== 0;
}

function modeText(mode: number): string {
  return '0' + (mode & 0o7777).toString(8).padStart(3, '0');
}
