import { OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import type { Context } from 'hono';
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

/**
 * The one way to serve a route whose handler validates its own input with the route's schemas
 * (body or query string as alternatives, an optional body, a pre-serialised answer): the
 * createRoute that documents it and the handler that serves it are registered in one call, at
 * the same method and path, so the docs cannot name a route the app does not serve. Every
 * other route uses `app.openapi(route, handler)`.
 */
export function openapiSelfValidated<R extends RouteConfig>(
  app: OpenAPIHono<AppEnv>,
  route: R,
  handler: (c: Context<AppEnv>) => Response | Promise<Response>,
): void {
  app.openAPIRegistry.registerPath(route);
  app.on(route.method.toUpperCase(), route.path.replace(/\{(\w+)\}/g, ':$1'), handler);
}
