import { MemoryValueError, MemoryValueTooLargeError } from './errors.js';
import type { Json } from './types.js';

/** Default ceiling for one stored value, event or journaled output: 1 MiB of UTF-8 JSON. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;

/**
 * Throws MemoryValueError unless `value` survives a JSON round trip unchanged — with one deliberate
 * exception: object properties whose value is `undefined` are dropped, as JSON.stringify does, because
 * optional fields are everywhere in TypeScript. Everything else that JSON.stringify would silently turn into
 * something else (NaN -> null, Date -> string, Map -> {}, a function -> gone) is refused, so what you read
 * back is what you stored.
 */
export function assertJson(value: unknown, label: string): asserts value is Json {
  check(value, label, []);
}

/** Validates, then serializes; refuses a result over `maxBytes` UTF-8 bytes. */
export function encodeJson(value: unknown, label: string, maxBytes: number): string {
  assertJson(value, label);
  return stringifyWithLimit(value, label, maxBytes);
}

/** Serializes a value already checked by `assertJson`; refuses a result over `maxBytes` UTF-8 bytes. */
export function stringifyWithLimit(value: Json, label: string, maxBytes: number): string {
  const text = JSON.stringify(value);
  // Byte length only matters near the limit; a string's UTF-8 size is at most 3x its UTF-16 length.
  if (text.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > maxBytes) throw new MemoryValueTooLargeError(label, bytes, maxBytes);
  }
  return text;
}

function check(value: unknown, path: string, ancestors: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new MemoryValueError(path, `is ${value} (JSON has no NaN or Infinity)`);
      return;
    case 'undefined':
      throw new MemoryValueError(path, 'is undefined');
    case 'bigint':
      throw new MemoryValueError(path, 'is a BigInt (store it as a string)');
    case 'function':
      throw new MemoryValueError(path, 'is a function');
    case 'symbol':
      throw new MemoryValueError(path, 'is a symbol');
    case 'object':
      break;
  }
  if (value === null) return;
  const obj = value as object;
  if (ancestors.includes(obj)) throw new MemoryValueError(path, 'is a circular reference');
  ancestors.push(obj);
  if (Array.isArray(obj)) {
    for (let i = 0; i < obj.length; i++) check(obj[i], `${path}[${i}]`, ancestors);
  } else {
    const proto = Object.getPrototypeOf(obj) as object | null;
    if (proto !== Object.prototype && proto !== null) {
      const kind = (obj as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      const hint = obj instanceof Date ? ' (store date.toISOString())' : '';
      throw new MemoryValueError(path, `is a ${kind}, not a plain object${hint}`);
    }
    for (const key of Object.keys(obj)) {
      const v = (obj as Record<string, unknown>)[key];
      if (v !== undefined) check(v, childPath(path, key), ancestors);
    }
  }
  ancestors.pop();
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function childPath(path: string, key: string): string {
  return IDENTIFIER.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}
