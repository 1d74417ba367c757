import { redactText } from '../../../security/redact.js';
import { BackendError } from './errors.js';

/** Where and how to reach one HTTP backend (a Prometheus, a Loki, Grafana itself or its datasource proxy). */
export interface HttpTarget {
  /** Names the backend in error messages: "prometheus", "loki via grafana", … */
  name: string;
  baseUrl: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Credentials to scrub from any error text before it reaches a model. */
  secrets: readonly string[];
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;
const ERROR_BODY_CHARS = 1_000;

export type Query = Record<string, string | number | readonly string[] | undefined>;

/** GET `path` with query parameters and parse the JSON answer; throws BackendError with a readable reason. */
export function getJson(target: HttpTarget, path: string, query: Query = {}, signal?: AbortSignal): Promise<unknown> {
  return request(target, 'GET', withQuery(path, query), undefined, signal);
}

/** POST a JSON body to `path` and parse the JSON answer. */
export function postJson(target: HttpTarget, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  return request(target, 'POST', path, body, signal);
}

function withQuery(path: string, query: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.append(key, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

async function request(target: HttpTarget, method: string, path: string, body: unknown, signal?: AbortSignal): Promise<unknown> {
  const url = target.baseUrl.replace(/\/+$/, '') + path;
  const deadline = AbortSignal.timeout(target.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, deadline]) : deadline;
  const headers: Record<string, string> = { accept: 'application/json', ...target.headers };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, signal: combined, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (err) {
    throw transportError(target, url, err, signal, deadline);
  }
  let text: string;
  try {
    text = await readBounded(res);
  } catch (err) {
    throw err instanceof BackendError ? err : transportError(target, url, err, signal, deadline);
  }
  if (!res.ok) throw new BackendError(target.name, `HTTP ${res.status} from ${pathOf(url)}: ${scrub(target, errorDetail(text))}`, res.status);
  try {
    return text === '' ? {} : JSON.parse(text);
  } catch {
    throw new BackendError(target.name, `${pathOf(url)} did not answer JSON: ${scrub(target, text.slice(0, 200))}`, res.status);
  }
}

function transportError(target: HttpTarget, url: string, err: unknown, signal: AbortSignal | undefined, deadline: AbortSignal): unknown {
  // The MCP client cancelled the call: let the abort propagate, nobody is waiting for an answer.
  if (signal?.aborted) return signal.reason ?? err;
  if (deadline.aborted) return new BackendError(target.name, `no answer from ${originOf(url)} within ${target.timeoutMs} ms`);
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const reason = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : String(err);
  return new BackendError(target.name, `cannot reach ${originOf(url)}: ${scrub(target, reason)}`);
}

async function readBounded(res: Response): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) {
    await res.body?.cancel();
    throw new BackendError('http', `response of ${declared} bytes is over the ${MAX_BODY_BYTES}-byte limit; narrow the query`);
  }
  if (!res.body) return '';
  const decoder = new TextDecoder();
  let size = 0;
  let out = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.byteLength;
    if (size > MAX_BODY_BYTES) throw new BackendError('http', `response is over the ${MAX_BODY_BYTES}-byte limit; narrow the query`);
    out += decoder.decode(chunk, { stream: true });
  }
  return out + decoder.decode();
}

/** The useful part of an error body: Prometheus/Loki `error`, Grafana `message`, or the text itself. */
function errorDetail(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: unknown; message?: unknown; errorType?: unknown };
    const detail = typeof parsed.error === 'string' ? parsed.error : typeof parsed.message === 'string' ? parsed.message : undefined;
    if (detail) return typeof parsed.errorType === 'string' ? `${parsed.errorType}: ${detail}` : detail;
  } catch {
    // not JSON: fall through to the raw text
  }
  const trimmed = text.trim();
  return trimmed.length > ERROR_BODY_CHARS ? trimmed.slice(0, ERROR_BODY_CHARS) + '…' : trimmed || '(empty body)';
}

function scrub(target: HttpTarget, text: string): string {
  return redactText(text, { secrets: target.secrets });
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
