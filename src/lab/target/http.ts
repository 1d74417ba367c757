import type { IncomingMessage, ServerResponse } from 'node:http';

/** Request bodies above this are refused: the lab's endpoints take tiny JSON documents. */
const MAX_BODY_BYTES = 64 * 1024;

/** A request body that is too large or not JSON; answered 400/413. */
export class BadRequestError extends Error {
  override readonly name = 'BadRequestError';
  constructor(
    readonly status: 400 | 413,
    message: string,
  ) {
    super(message);
  }
}

/** Reads a JSON object body (empty body -> {}). Throws `BadRequestError`. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequestError(413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequestError(400, 'request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new BadRequestError(400, 'request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** Writes a JSON response unless the client already went away. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.writableEnded || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A short string field of a body, or `fallback` when absent; validates length and characters. */
export function stringField(body: Record<string, unknown>, field: string, fallback: string): string {
  const value = body[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || !/^[A-Za-z0-9._:-]{1,64}$/.test(value)) {
    throw new BadRequestError(400, `${field}: expected 1-64 letters, digits, dot, dash, colon or underscore`);
  }
  return value;
}
