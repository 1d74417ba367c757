import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// Every ```ts block in README.md and docs/**/*.md runs here, as a user would run it: a file inside the package
// importing 'firebreak' (resolved by Node's package self-reference to the built dist/), executed by Node 22.
// A block preceded by the line `<!-- not-run -->` is shown but not run (e.g. one that needs an API key).
// Every ```json block must parse.

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = join(root, 'test', '.examples');
const exec = promisify(execFile);

function markdownFiles(): string[] {
  const files = [join(root, 'README.md')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith('.md')) files.push(join(dir, entry.name));
    }
  };
  try {
    walk(join(root, 'docs'));
  } catch {
    // no docs yet
  }
  return files;
}

interface Block { file: string; line: number; lang: string; code: string; run: boolean }

function blocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w+)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    found.push({ file, line: start + 1, lang: open[1]!, code: body.join('\n'), run: lines[start - 1]?.trim() !== '<!-- not-run -->' });
  }
  return found;
}

const all = markdownFiles().flatMap(blocks);
const tsBlocks = all.filter((b) => (b.lang === 'ts' || b.lang === 'typescript') && b.run);
const jsonBlocks = all.filter((b) => b.lang === 'json' || b.lang === 'jsonc');

describe('documentation examples', () => {
  it('has examples to run', () => {
    expect(tsBlocks.length).toBeGreaterThan(0);
  });

  for (const block of tsBlocks) {
    const name = `${relative(root, block.file)}:${block.line}`;
    it(`runs ${name}`, async () => {
      mkdirSync(outDir, { recursive: true });
      const file = join(outDir, `${relative(root, block.file).replace(/[^\w]+/g, '_')}_${block.line}.ts`);
      writeFileSync(file, block.code + '\n');
      const { stderr } = await exec(process.execPath, ['--disable-warning=ExperimentalWarning', file], {
        cwd: root, timeout: 120_000, env: { ...process.env, FIREBREAK_LOG_LEVEL: 'error' },
      }).catch((err: { stdout?: string; stderr?: string; message: string }) => {
        throw new Error(`${name} failed:\n${err.stderr ?? ''}\n${err.stdout ?? ''}\n${err.message}`);
      });
      expect(stderr).not.toMatch(/Error/);
    }, 180_000);
  }

  for (const block of jsonBlocks) {
    it(`parses ${relative(root, block.file)}:${block.line}`, () => {
      const text = block.lang === 'jsonc' ? block.code.replace(/^\s*\/\/.*$/gm, '') : block.code;
      expect(() => JSON.parse(text)).not.toThrow();
    });
  }
});
