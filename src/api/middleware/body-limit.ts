import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors.js';

/** Methods whose WHATWG Request never carries a body. */
const BODILESS = new Set(['GET', 'HEAD']);

/** Hono's streaming body limit (checks Content-Length, then counts chunked bodies) with our 413. */
export function limitBody(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      // The rest of the body is still on its way: closing the connection spares reading it, and
      // tells the client not to reuse a socket the server may drop mid-drain.
      c.header('Connection', 'close');
      throw new ApiError(413, 'payload_too_large', `body: request body exceeds ${maxBytes} bytes (API_MAX_BODY_BYTES)`, 'body');
    },
  });
  // Asking a request for its body makes @hono/node-server build a whole WHATWG Request from the
  // Node request: measured as 40 % of the API's CPU per GET /status under 50 pollers. A GET or HEAD
  // Request has no body (WHATWG), so the limit never had anything to count there.
  return (c, next) => (BODILESS.has(c.req.method) ? next() : limit(c, next));
}
