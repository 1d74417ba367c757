/**
 * A tool result longer than the persona's `maxToolResultChars`, made to fit. A JSON result with a list in it
 * (log lines, series, rules, commits) keeps whole entries: as many as fit, and a line saying how many were
 * left out — a cut in the middle of an entry would leave JSON the model cannot read and a count it cannot
 * trust. Anything else is cut at the limit, with a marker.
 */
export function fitToolResult(text: string, max: number): string {
  if (text.length <= max) return text;
  return fitJsonList(text, max) ?? `${text.slice(0, max)}\n…[truncated ${text.length - max} characters]`;
}

function fitJsonList(text: string, max: number): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = longestList(value);
  if (!list) return undefined;
  const render = (n: number): string => {
    const shown = list.with(list.items.slice(0, n));
    const left = list.items.length - n;
    return `${JSON.stringify(shown)}\n…[${left} of ${list.items.length} entries of ${list.name} left out to fit ${max} characters: narrow the query (a smaller limit, a filter, a shorter range) to see them]`;
  };
  // The most entries that fit (rendering is monotonic in n): binary search.
  let lo = 0;
  let hi = list.items.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (render(mid).length <= max) lo = mid;
    else hi = mid - 1;
  }
  // Not even one entry fits: a plain cut shows more of it.
  return lo === 0 ? undefined : render(lo);
}

interface List {
  name: string;
  items: unknown[];
  /** The whole value with this list replaced. */
  with(items: unknown[]): unknown;
}

/** The value itself when it is an array, else its top-level array property with the most entries. */
function longestList(value: unknown): List | undefined {
  if (Array.isArray(value)) return { name: 'the result', items: value, with: (items) => items };
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const [key] = Object.entries(record)
    .filter((e): e is [string, unknown[]] => Array.isArray(e[1]) && e[1].length > 1)
    .sort((a, b) => b[1].length - a[1].length)[0] ?? [];
  if (key === undefined) return undefined;
  return { name: `"${key}"`, items: record[key] as unknown[], with: (items) => ({ ...record, [key]: items }) };
}
