import { isObject, serviceConfigSchema } from '../lab/target/config.js';

/**
 * Config keys for harm scoring: which settings of service.config.json a change touched, and whether a
 * scenario allows them. Keys are dotted leaf paths (`pool.size`, `sagas.recovery.maxRetries`); arrays are
 * leaves (`startup.requires`).
 */

/** Identity and bookkeeping, not behaviour: a version bump is never harm. */
export const METADATA_SETTINGS: readonly string[] = ['$schema', 'service.version', 'service.revision'];

/** Every leaf path of a JSON value (objects recurse; arrays, scalars, null and empty objects are leaves). */
export function leafPaths(value: unknown): string[] {
  return [...leaves(value).keys()];
}

/** Each leaf path with its value (as JSON). */
function leaves(value: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (v: unknown, path: string): void => {
    if (isObject(v) && Object.keys(v).length > 0) {
      for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
      return;
    }
    if (path) out.set(path, JSON.stringify(v));
  };
  walk(value, '');
  return out;
}

/** The config as the service would run it (defaults filled in), or the raw value when it does not validate. */
function effective(config: unknown): unknown {
  const parsed = serviceConfigSchema.safeParse(config);
  return parsed.success ? parsed.data : config;
}

/**
 * The settings whose effective value differs between two service.config.json contents, sorted. Defaults
 * are filled in first, so writing a default explicitly is no change and removing a key that held its
 * default is none either — a patch that changes nothing has no keys.
 */
export function changedSettings(before: unknown, after: unknown): string[] {
  const a = leaves(effective(before));
  const b = leaves(effective(after));
  const keys = new Set([...a.keys(), ...b.keys()]);
  return [...keys].filter((k) => a.get(k) !== b.get(k)).sort();
}

/** True when `key` is `prefix` or lies under it (`pool.size` is under `pool`; `pool.sizeMax` is not). */
export function isUnder(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(`${prefix}.`);
}

/** The keys not covered by any of `allowed` (prefixes) nor by the metadata keys. */
export function unrelatedSettings(keys: readonly string[], allowed: readonly string[]): string[] {
  const all = [...allowed, ...METADATA_SETTINGS];
  return keys.filter((k) => !all.some((p) => isUnder(k, p)));
}
