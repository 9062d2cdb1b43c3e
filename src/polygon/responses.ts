import {
  BadKeyError,
  BadRequestError,
  NotEntitledError,
  type PolygonError,
  type PolygonErrorInit,
  RateLimitedError,
  TransientError,
} from './errors.js';
import { messageOf } from './parse.js';

/** Reads `Retry-After` (delta-seconds or an HTTP date) as ms; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - nowMs);
}

function bodyMessage(text: string): { message: string | null; status: string | null; requestId: string | null } {
  try {
    const doc = JSON.parse(text) as unknown;
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) {
      const b = doc as Record<string, unknown>;
      return {
        message: messageOf(b),
        status: typeof b.status === 'string' ? b.status : null,
        requestId: typeof b.request_id === 'string' ? b.request_id : null,
      };
    }
  } catch {
    // Not JSON (a proxy's HTML page, say): fall through to a status-only message.
  }
  return { message: null, status: null, requestId: null };
}

/**
 * The typed error for a non-2xx response, or null for 2xx. `text` must already be redacted by the
 * caller, since the message quotes the server.
 */
export function errorForStatus(
  status: number,
  retryAfter: string | null,
  text: string,
  init: PolygonErrorInit,
  nowMs: number,
): PolygonError | null {
  if (status >= 200 && status < 300) return null;
  const b = bodyMessage(text);
  const withId: PolygonErrorInit = { ...init, status, requestId: b.requestId };
  const said = b.message ?? b.status ?? `HTTP ${status}`;
  if (status === 429) {
    const after = parseRetryAfter(retryAfter, nowMs);
    return new RateLimitedError(
      `rate limited (HTTP 429${after === null ? ', no Retry-After' : `, retry after ${after} ms`}): ${said}`,
      after,
      withId,
    );
  }
  if (status === 401) return new BadKeyError(`API key rejected (HTTP 401): ${said}`, withId);
  if (status === 403) {
    // Polygon uses 403 both for plans that do not cover the data and, rarely, for key problems.
    if (b.status !== 'NOT_AUTHORIZED' && /api ?key/i.test(said)) {
      return new BadKeyError(`API key rejected (HTTP 403): ${said}`, withId);
    }
    return new NotEntitledError(`not entitled (HTTP 403): ${said}`, withId);
  }
  if (status === 408 || status >= 500) return new TransientError(`upstream error (HTTP ${status}): ${said}`, withId);
  if (status >= 300 && status < 400) {
    // Never followed: a redirect could carry the Authorization header to another host.
    return new BadRequestError(`unexpected redirect (HTTP ${status}); set POLYGON_BASE_URL to the final host`, withId);
  }
  return new BadRequestError(`bad request (HTTP ${status}): ${said}`, withId);
}
