/**
 * Compares strings in UTF-8 byte order — the order of SQL's "C"/BINARY collations and of Redis lex ranges —
 * without encoding them. UTF-8 byte order equals code point order; JavaScript's `<` compares UTF-16 code
 * units, which differs only when a surrogate (an astral character) meets a code unit in U+E000–U+FFFF, so
 * those two ranges are swapped before comparing.
 */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
