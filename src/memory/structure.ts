import { createHash } from 'node:crypto';
import type { AnyStep } from '../primitives/types.js';

/**
 * The shape of a workflow, for telling "resume the same workflow" from "resume a different one". A step tree
 * is flattened in depth-first pre-order into one entry per step: [depth, kind, name, path]. Pre-order plus
 * depth pins the tree's shape exactly, and comparing entry by entry finds the first place two trees differ,
 * so the error can name it.
 */
export type StructureEntry = readonly [depth: number, kind: string, name: string, path: string];

/** Refuses absurd trees (or a cyclic `children` graph) rather than looping forever. */
const MAX_ENTRIES = 100_000;

/**
 * Flattens `root` into structure entries. A transparent step (sequence, retry, timeout…) contributes its kind
 * but not its name — its name is derived from its children's and would make every rename look like a change
 * of the wrapper — and adds no path segment, mirroring how the runner builds paths.
 */
export function describeStructure(root: AnyStep): StructureEntry[] {
  const out: StructureEntry[] = [];
  const ancestors = new Set<AnyStep>();
  const visit = (node: AnyStep, depth: number, parentPath: string): void => {
    if (ancestors.has(node)) throw new TypeError(`workflow structure is cyclic at '${parentPath || '(root)'}'`);
    if (out.length >= MAX_ENTRIES) throw new TypeError(`workflow has more than ${MAX_ENTRIES} steps`);
    const kind = node.kind ?? 'step';
    const path = node.transparent ? parentPath : parentPath === '' ? node.name : `${parentPath}/${node.name}`;
    out.push([depth, kind, node.transparent ? '' : node.name, path]);
    ancestors.add(node);
    for (const child of node.children ?? []) visit(child, depth + 1, path);
    ancestors.delete(node);
  };
  visit(root, 0, '');
  return out;
}

/**
 * The path of every non-transparent step (as the runner builds it when steps run under their own names),
 * mapped to whether that step, or one at the same path, is marked `sideEffect`. Combinators that run a child
 * under another segment (parallel's branch keys) produce runtime paths missing from this map: callers must
 * treat an unknown path conservatively.
 */
export function stepPaths(root: AnyStep): Map<string, boolean> {
  const paths = new Map<string, boolean>();
  const visit = (node: AnyStep, parentPath: string, depth: number): void => {
    if (depth > 10_000) return; // cyclic graphs are rejected by describeStructure, which runs first
    const path = node.transparent ? parentPath : parentPath === '' ? node.name : `${parentPath}/${node.name}`;
    if (!node.transparent) paths.set(path, (paths.get(path) ?? false) || node.sideEffect === true);
    for (const child of node.children ?? []) visit(child, path, depth + 1);
  };
  visit(root, '', 0);
  return paths;
}

/** sha256 of the serialized entries: equal fingerprints mean equal structures. */
export function fingerprint(serialized: string): string {
  return createHash('sha256').update(serialized).digest('hex');
}

export interface StructureDifference {
  path: string;
  recorded: string | undefined;
  current: string | undefined;
}

/** The first entry where two structures differ, described for a human; undefined if they are equal. */
export function firstDifference(recorded: readonly StructureEntry[], current: readonly StructureEntry[]): StructureDifference | undefined {
  const n = Math.max(recorded.length, current.length);
  for (let i = 0; i < n; i++) {
    const a = recorded[i];
    const b = current[i];
    if (a && b && a[0] === b[0] && a[1] === b[1] && a[2] === b[2] && a[3] === b[3]) continue;
    const where = (a ?? b)!;
    return { path: where[3] === '' ? '(root)' : where[3], recorded: a && describe(a), current: b && describe(b) };
  }
  return undefined;
}

function describe([depth, kind, name, path]: StructureEntry): string {
  const at = path === '' ? '(root)' : path;
  return name === '' ? `a ${kind} at '${at}' (depth ${depth})` : `step '${name}' (${kind}) at '${at}' (depth ${depth})`;
}

/** Parses entries stored by `JSON.stringify(describeStructure(...))`; tolerant of nothing else. */
export function parseStructure(serialized: string): StructureEntry[] {
  const parsed: unknown = JSON.parse(serialized);
  if (!Array.isArray(parsed)) throw new TypeError('stored workflow structure is not an array');
  return parsed as StructureEntry[];
}
