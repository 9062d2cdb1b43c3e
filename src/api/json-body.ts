import type { Context } from 'hono';
import type { z } from '@hono/zod-openapi';
import { ApiError, badRequest, fromZodError } from './errors.js';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i;

/**
 * The request's JSON body, or undefined when it has none. Read here rather than by a validator so
 * that a missing body (the legacy query-string form), a wrong media type and broken JSON each get
 * their own answer naming `body` or `content-type`.
 */
export async function readJsonBody(c: Context): Promise<unknown> {
  let text: string;
  try {
    text = await c.req.text();
  } catch {
    // The client went away mid-body (or sent broken framing): nobody may read this, but it is theirs.
    throw new ApiError(400, 'invalid_request', 'body: could not be read (connection aborted or malformed)', 'body');
  }
  if (text.trim() === '') return undefined;
  const type = c.req.header('content-type');
  if (!type || !JSON_TYPE.test(type)) {
    throw new ApiError(415, 'unsupported_media_type', 'content-type: send the body as application/json', 'content-type');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError(400, 'invalid_json', 'body: is not valid JSON', 'body');
  }
}

/** A body the route requires (or may omit: then `{}` is parsed), parsed with the route's schema into our error shape. */
export async function parseJsonBody<T extends z.ZodType>(c: Context, schema: T, optional = false): Promise<z.output<T>> {
  const raw = await readJsonBody(c);
  if (raw === undefined && !optional) throw badRequest('body', 'body: a JSON object is required');
  const r = schema.safeParse(raw ?? {});
  if (!r.success) throw fromZodError(r.error);
  return r.data;
}

/** Query parameters as validators expect them: a string, or an array when repeated. */
export function queryParams(c: Context): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(c.req.queries())) out[k] = v.length === 1 ? v[0]! : v;
  return out;
}
