/**
 * Scrubs an API key out of text that may end up in a log or an error: server messages can echo the
 * key, and a `next_url` could carry it as `apiKey=`.
 */
export function redact(text: string, apiKey: string | undefined): string {
  let out = text.replace(/([?&]apiKey=)[^&#\s"']*/gi, '$1[REDACTED]');
  if (apiKey) out = out.split(apiKey).join('[REDACTED]');
  return out;
}

/** Path and query of a URL, key-free, for messages and metrics. */
export function safePath(url: URL, apiKey: string | undefined): string {
  return redact(url.pathname + url.search, apiKey);
}
