/**
 * The first place two JSON values differ, as a readable path (`messages[2].content[0].text`), or undefined
 * when they are equal. Key order never counts as a difference.
 */
export function firstDifference(expected: unknown, actual: unknown, path = ''): { path: string; expected: unknown; actual: unknown } | undefined {
  if (Object.is(expected, actual)) return undefined;
  if (Array.isArray(expected) && Array.isArray(actual)) {
    const n = Math.min(expected.length, actual.length);
    for (let i = 0; i < n; i++) {
      const d = firstDifference(expected[i], actual[i], `${path}[${i}]`);
      if (d) return d;
    }
    if (expected.length !== actual.length) {
      return { path: `${path}.length`, expected: expected.length, actual: actual.length };
    }
    return undefined;
  }
  if (isObject(expected) && isObject(actual)) {
    // The recorded value's key order first (it reads like the request), then keys only the new one has.
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
    for (const key of keys) {
      const d = firstDifference(expected[key], actual[key], path ? `${path}.${key}` : key);
      if (d) return d;
    }
    return undefined;
  }
  return { path: path || '(root)', expected, actual };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
