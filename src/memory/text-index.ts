import type { Json } from './types.js';

/**
 * The one definition of "a word" for memory search, shared by every backend so they agree on what matches:
 * SQLite (FTS5) and PostgreSQL (tsvector) index the words produced here, already joined by spaces, and the
 * Redis and in-memory backends score them with `termWeights` / `idf` below.
 */

/** Indexing stops after this much text per value: search is for finding findings, not grepping blobs. */
export const MAX_INDEXED_CHARS = 128 * 1024;
/** Longer runs are truncated: nobody searches for a 200-character word, and tsvector caps lexemes. */
const MAX_WORD_CHARS = 64;
/** A query uses at most this many distinct words. */
export const MAX_QUERY_TERMS = 32;
/** A word in the key counts this much more than a word in the value: keys are chosen names. */
export const KEY_BOOST = 4;

const WORD = /[\p{L}\p{N}]+/gu;

/** Lower-cased runs of letters and digits: `DB pool_size=10` -> `db`, `pool`, `size`, `10`. */
export function tokenize(text: string): string[] {
  const words = text.normalize('NFKC').toLowerCase().match(WORD);
  if (!words) return [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.length > MAX_WORD_CHARS) words[i] = w.slice(0, MAX_WORD_CHARS);
  }
  return words;
}

/** The searchable text of a value: its property names and its string and number leaves. */
export function valueText(value: Json): string {
  const parts: string[] = [];
  let size = 0;
  const visit = (v: Json): void => {
    if (size > MAX_INDEXED_CHARS) return;
    if (typeof v === 'string' || typeof v === 'number') {
      const s = String(v);
      parts.push(s);
      size += s.length + 1;
    } else if (Array.isArray(v)) {
      for (const item of v) visit(item);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        parts.push(k);
        size += k.length + 1;
        visit(item);
      }
    }
  };
  visit(value);
  const text = parts.join(' ');
  return text.length > MAX_INDEXED_CHARS ? text.slice(0, MAX_INDEXED_CHARS) : text;
}

/** The words of an entry, ready for a backend to index. */
export interface IndexedWords {
  keyWords: string[];
  valueWords: string[];
}

export function indexWords(key: string, value: Json): IndexedWords {
  return { keyWords: tokenize(key), valueWords: tokenize(valueText(value)) };
}

/** Distinct words of a query, in order, at most MAX_QUERY_TERMS. */
export function queryTerms(query: string): string[] {
  return [...new Set(tokenize(query))].slice(0, MAX_QUERY_TERMS);
}

/** BM25's term-frequency saturation: the tenth mention of a word adds little over the second. */
function saturate(tf: number): number {
  const k1 = 1.2;
  return (tf * (k1 + 1)) / (tf + k1);
}

/**
 * Per-word weight of one entry, for backends that score in JavaScript or Redis: saturated term frequency,
 * with words of the key boosted by KEY_BOOST.
 */
export function termWeights(words: IndexedWords): Map<string, number> {
  const keyTf = countWords(words.keyWords);
  const valueTf = countWords(words.valueWords);
  const weights = new Map<string, number>();
  for (const [w, tf] of keyTf) weights.set(w, KEY_BOOST * saturate(tf));
  for (const [w, tf] of valueTf) weights.set(w, (weights.get(w) ?? 0) + saturate(tf));
  return weights;
}

/** BM25's inverse document frequency: rare words count more; always positive. */
export function idf(documents: number, containing: number): number {
  return Math.log(1 + (documents - containing + 0.5) / (containing + 0.5));
}

function countWords(words: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const w of words) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}
