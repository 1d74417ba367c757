/**
 * Tool allowlists as globs over qualified names (`server.tool`). `*` matches within one segment (never a
 * dot), `?` one character, `**` anything. The loop enforces the list — a tool outside it is never offered,
 * and a call to it is refused — so the prompt is not the security boundary.
 */
export function compileAllowlist(patterns: readonly string[]): (toolName: string) => boolean {
  const regexes = patterns.map(globToRegExp);
  return (name) => regexes.some((r) => r.test(name));
}

export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (ch === '*') source += '[^.]*';
    else if (ch === '?') source += '[^.]';
    else source += ch.replace(/[\\^$+.()|[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
