import type { AnyStep } from '../primitives/index.js';
import { describeStructure, fingerprint } from '../memory/structure.js';

/**
 * sha256 of a step tree's structure, as the memory module's journal defines it (`describeStructure`: kinds,
 * names and paths, depth-first). Two workflows with one fingerprint journal their steps at the same paths,
 * so one can replay the other's journal. Function bodies are not part of it: set an explicit application
 * version when only code inside steps changed.
 */
export function structureFingerprint(step: AnyStep): string {
  return fingerprint(JSON.stringify(describeStructure(step)));
}
