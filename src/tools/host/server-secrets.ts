import { secretValuesFromEnv } from '../../security/redact.js';
import type { ResolvedServer } from './server-entry.js';

const SECRET_HEADER = /auth|token|key|secret|cookie|session|password/i;

/**
 * Secrets the host itself hands to servers — a stdio server's secret env vars, an HTTP server's
 * credential headers — so they are redacted from every result even if a server echoes them back.
 */
export function serverSecrets(server: ResolvedServer): string[] {
  if (server.kind === 'stdio') return secretValuesFromEnv(server.env);
  if (server.kind !== 'http') return [];
  const out: string[] = [];
  for (const [name, value] of Object.entries(server.headers)) {
    if (!SECRET_HEADER.test(name) || !value) continue;
    out.push(value);
    // "Bearer xyz": the bare token can appear on its own too.
    const space = value.indexOf(' ');
    if (space > 0) out.push(value.slice(space + 1).trim());
  }
  return out;
}
