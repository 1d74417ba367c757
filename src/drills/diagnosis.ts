import type { IncidentRecord } from '../workflows/incident.js';
import type { Diagnosis } from './types.js';

/**
 * Reads what the personas concluded from the incident record's structured outputs, for scoring.
 *
 * Only structured fields count — free text is never matched against the expected answer, because a
 * summary that mentions every possibility would otherwise "localize" anything. Recognised shapes, in any
 * persona's output (nested objects included):
 *   - `rootCause: { category, component | components }` (preferred; also `diagnosis: {...}`)
 *   - `rootCauseCategory` / `category`, and `rootCauseComponent` / `component` / `components`
 *
 * When several personas state one, the LAST persona in the record's order wins (the backend engineer's
 * diagnosis refines the observability expert's hypothesis), and within one output the most specific field
 * wins (a `rootCause` object over a bare `category`). At most 3 components are kept: localization is
 * "top-3", as in AIOpsLab, so listing every component in the system does not pay.
 */
export function extractDiagnosis(record: IncidentRecord | undefined): Diagnosis {
  if (!record) return { components: [] };
  let best: Diagnosis = { components: [] };
  for (const [persona, output] of Object.entries(record.outputs)) {
    const found = fromValue(output, `outputs.${persona}`, 0);
    if (found.category !== undefined) best = { ...best, category: found.category, source: found.source };
    if (found.components.length > 0) {
      best = { ...best, components: found.components };
      best.source ??= found.source;
    }
  }
  return best;
}

const MAX_COMPONENTS = 3;
const MAX_DEPTH = 4;
const CONTAINER_KEYS = new Set(['rootcause', 'diagnosis']);
const CATEGORY_KEYS = ['rootcausecategory', 'category'];
const COMPONENT_KEYS = ['rootcausecomponent', 'component', 'components', 'affectedcomponents'];

/** Field name without case, dashes or underscores: `root_cause`, `rootCause` and `root-cause` are one key. */
const norm = (key: string): string => key.toLowerCase().replace(/[-_\s]/g, '');

function fromValue(value: unknown, path: string, depth: number): Diagnosis {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object' || Array.isArray(value)) return { components: [] };
  const entries = Object.entries(value as Record<string, unknown>);

  // A rootCause/diagnosis object is the most specific statement: take it whole when it has a category.
  for (const [key, v] of entries) {
    if (!CONTAINER_KEYS.has(norm(key))) continue;
    if (typeof v === 'string' && v.trim() !== '') continue; // free text: not scored
    const inner = fromValue(v, `${path}.${key}`, depth + 1);
    if (inner.category !== undefined || inner.components.length > 0) return inner;
  }

  const found: Diagnosis = { components: [] };
  for (const wanted of CATEGORY_KEYS) {
    const hit = entries.find(([k, v]) => norm(k) === wanted && typeof v === 'string' && v.trim() !== '');
    if (hit) {
      found.category = (hit[1] as string).trim();
      found.source = `${path}.${hit[0]}`;
      break;
    }
  }
  for (const wanted of COMPONENT_KEYS) {
    const hit = entries.find(([k]) => norm(k) === wanted);
    const components = hit ? asStrings(hit[1]) : [];
    if (hit && components.length > 0) {
      found.components = components.slice(0, MAX_COMPONENTS);
      found.source ??= `${path}.${hit[0]}`;
      break;
    }
  }
  if (found.category !== undefined || found.components.length > 0) return found;

  // Nothing at this level: look one level down (e.g. outputs.backend.fix.rootCause).
  for (const [key, v] of entries) {
    const inner = fromValue(v, `${path}.${key}`, depth + 1);
    if (inner.category !== undefined || inner.components.length > 0) return inner;
  }
  return found;
}

function asStrings(v: unknown): string[] {
  if (typeof v === 'string') return v.trim() === '' ? [] : [v.trim()];
  if (Array.isArray(v)) return v.flatMap((x) => (typeof x === 'string' && x.trim() !== '' ? [x.trim()] : []));
  return [];
}

/** Canonical form for comparing categories and components: lowercase, words joined by dashes. */
export function canonical(label: string): string {
  return label
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** True when the stated category names the expected one (case, spacing and camelCase don't matter). */
export function categoryMatches(stated: string | undefined, expected: string): boolean {
  return stated !== undefined && canonical(stated) === canonical(expected);
}

/**
 * True when one of the stated components is the expected one, or a qualified name ending in it
 * (`workflows-api/db-pool` localizes `db-pool`; `db` does not localize `db-pool`).
 */
export function componentMatches(stated: readonly string[], expected: string): boolean {
  const want = canonical(expected);
  return stated.some((s) => {
    const parts = s.split(/[/:.>]/).map(canonical).filter(Boolean);
    return canonical(s) === want || parts.includes(want) || parts.at(-1) === want;
  });
}
