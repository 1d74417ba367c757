import { execFileSync } from 'node:child_process';

/** Every process below `root` (children, grandchildren, …), read from ps. An undefined root has none. */
export function descendants(root: number | undefined = process.pid): number[] {
  if (root === undefined) return [];
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter(([, , comm]) => comm !== 'ps')
    .map(([pid, ppid]) => [Number(pid), Number(ppid)] as [number, number]);
  const found: number[] = [];
  const walk = (pid: number): void => {
    for (const [child, parent] of rows) {
      if (parent === pid && child !== pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}
