import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './context.js';
import { fromZodError } from './errors.js';
import { errorResponse } from './schemas.js';

/**
 * An OpenAPIHono whose validation failures become our error shape (thrown, so app.onError writes
 * it) instead of the library's default zod dump.
 */
export function createRouter(): OpenAPIHono<AppEnv> {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw fromZodError(result.error, result.target === 'param' ? 'path' : result.target);
    },
  });
}

/** An error response in a route's OpenAPI description. */
export const errorSpec = (description: string) => ({ description, content: { 'application/json': { schema: errorResponse } } });
