/**
 * Chat users paste alerts as JSON text or describe them in a sentence; both become an alert payload for
 * parseAlert: JSON text is parsed, anything else becomes the title of a minimal alert (severity unknown,
 * so the observability persona assesses it first).
 */
export function alertPayload(alert: Record<string, unknown> | string): unknown {
  if (typeof alert !== 'string') return alert;
  const text = alert.trim();
  if (text.startsWith('{')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Not JSON after all: use it as a title, which parseAlert accepts.
    }
  }
  return { title: text.length > 200 ? `${text.slice(0, 197)}...` : text };
}
