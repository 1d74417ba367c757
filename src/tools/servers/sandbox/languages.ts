import { posix } from 'node:path';

/** Languages run_code accepts. */
export const LANGUAGES = ['javascript', 'typescript', 'python', 'bash'] as const;
export type Language = (typeof LANGUAGES)[number];

interface LanguageSpec {
  file: string;
  /** argv to run `path` (the code file as the sandbox sees it) with `node` (firebreak's Node, ditto). */
  argv(path: string, node: string): string[];
}

// JavaScript and TypeScript run on the same Node as firebreak (under bwrap bound into the sandbox, see
// sandbox-node.ts), so behaviour does not depend on whichever `node` the host has. Node 22 strips
// TypeScript types natively: no compiler, no extra dependency; type-only syntax works, enums/namespaces
// do not (Node's rule).
const SPECS: Record<Language, LanguageSpec> = {
  javascript: { file: 'main.js', argv: (p, node) => [node, p] },
  typescript: {
    file: 'main.ts',
    argv: (p, node) => [node, '--experimental-strip-types', '--disable-warning=ExperimentalWarning', p],
  },
  python: { file: 'main.py', argv: (p) => ['python3', '-u', p] },
  bash: { file: 'main.sh', argv: (p) => ['bash', p] },
};

/** The file name to store `language` code under, and the argv that runs it from `codeDir` with `nodePath`
 *  as the JS/TS interpreter (both as the run sees them: `IsolationBackend.codeDir()` and `.nodePath`). */
export function codeCommand(language: Language, codeDir: string, nodePath: string): { file: string; argv: string[] } {
  const spec = SPECS[language];
  return { file: spec.file, argv: spec.argv(posix.join(codeDir, spec.file), nodePath) };
}
