import type { IncomingHttpHeaders } from 'node:http';
import type { ForgeContext } from './context.js';

/** A parsed request as route handlers see it. Path params are URL-decoded. */
export interface ForgeRequest {
  readonly method: string;
  readonly url: URL;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** What a handler answers: JSON `body`, raw `text` (diffs), or neither (204). */
export interface ForgeResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly text?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Handler = (req: ForgeRequest, ctx: ForgeContext) => Promise<ForgeResponse>;

export interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly handler: Handler;
}

/**
 * Declares a route relative to `/repos/{owner}/{repo}`. In `path`, `:name` matches one segment and
 * `*name` matches the rest (branch names and file paths contain slashes).
 */
export function route(method: string, path: string, handler: Handler): Route {
  const source = path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) return `(?<${segment.slice(1)}>[^/]+)`;
      if (segment.startsWith('*')) return `(?<${segment.slice(1)}>.+)`;
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { method, pattern: new RegExp(`^${source}$`), handler };
}

/** Finds the first matching route: the handler and decoded params, or which methods the path allows. */
export function match(routes: readonly Route[], method: string, rawPath: string): { route: Route; params: Record<string, string> } | { allowed: string[] } {
  const allowed: string[] = [];
  for (const r of routes) {
    const m = r.pattern.exec(rawPath);
    if (!m) continue;
    if (r.method !== method) {
      allowed.push(r.method);
      continue;
    }
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(m.groups ?? {})) params[key] = decodeURIComponent(value);
    return { route: r, params };
  }
  return { allowed };
}

/** Page and per_page from the query, with GitHub's defaults (1, 30) and cap (100). */
export function pageOf(query: URLSearchParams): { page: number; perPage: number } {
  const page = Math.max(1, Math.floor(Number(query.get('page') ?? '1')) || 1);
  const perPage = Math.min(100, Math.max(1, Math.floor(Number(query.get('per_page') ?? '30')) || 30));
  return { page, perPage };
}

/** GitHub's `Link` header (first/prev/next/last) for a page of `total` items; undefined if one page. */
export function linkHeader(url: URL, page: number, perPage: number, total: number): string | undefined {
  const last = Math.max(1, Math.ceil(total / perPage));
  if (last === 1 && page === 1) return undefined;
  const at = (n: number): string => {
    const u = new URL(url);
    u.searchParams.set('page', String(n));
    u.searchParams.set('per_page', String(perPage));
    return `<${u.toString()}>`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`${at(page - 1)}; rel="prev"`);
  if (page < last) links.push(`${at(page + 1)}; rel="next"`, `${at(last)}; rel="last"`);
  if (page > 1) links.push(`${at(1)}; rel="first"`);
  return links.join(', ');
}

/** Slices an in-memory list to one page and answers it with the Link header. */
export function paged(req: ForgeRequest, items: readonly unknown[]): ForgeResponse {
  const { page, perPage } = pageOf(req.query);
  const link = linkHeader(req.url, page, perPage, items.length);
  return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), ...(link ? { headers: { link } } : {}) };
}
