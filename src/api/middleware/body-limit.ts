import { bodyLimit } from 'hono/body-limit';
import { ApiError } from '../errors.js';

/** Hono's streaming body limit (checks Content-Length, then counts chunked bodies) with our 413. */
export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      // The rest of the body is still on its way: closing the connection spares reading it, and
      // tells the client not to reuse a socket the server may drop mid-drain.
      c.header('Connection', 'close');
      throw new ApiError(413, 'payload_too_large', `body: request body exceeds ${maxBytes} bytes (API_MAX_BODY_BYTES)`, 'body');
    },
  });
}
