// One error shape for every failure the API reports: `{ error: { code, message, field? } }`.
// Handlers throw ApiError; app.onError turns it, zod errors, Temporal errors and anything
// unexpected into that shape, so no route can leak a stack trace or answer bad input with a 500.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { WorkflowNotFoundError } from '@temporalio/common';
import { ServiceError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError } from '@temporalio/client';
import type { AppEnv } from './context.js';

export type ErrorCode =
  | 'invalid_request'
  | 'invalid_json'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'headers_too_large'
  | 'request_timeout'
  | 'unsupported_media_type'
  | 'idempotency_key_reused'
  | 'estimate_too_long'
  | 'rate_limited'
  | 'temporal_unavailable'
  | 'worker_unavailable'
  | 'database_unavailable'
  | 'internal';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; request_id?: string };
}

export class ApiError extends HTTPException {
  constructor(
    status: ContentfulStatusCode,
    readonly code: ErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(status, { message });
    this.name = 'ApiError';
  }
}

export const badRequest = (field: string, message: string) => new ApiError(400, 'invalid_request', message, field);
export const notFound = (message: string) => new ApiError(404, 'not_found', message);
export const conflict = (message: string) => new ApiError(409, 'conflict', message);

type Issue = ZodError['issues'][number];

/** `symbols[3]`, `date_range.start_date`: the path a user would look for in their request. */
function pathLabel(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out;
}

/**
 * The first issue, as an ApiError whose `field` is the top-level request field (what a form
 * highlights) and whose message always starts with the full path (what a script author needs).
 */
export function fromZodError(err: ZodError, fallbackField = 'body'): ApiError {
  const issue: Issue | undefined = err.issues[0];
  if (!issue) return badRequest(fallbackField, `${fallbackField}: invalid`);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '?';
    const full = pathLabel([...issue.path, key]);
    const field = issue.path.length ? String(issue.path[0]) : key;
    return badRequest(field, `${full}: unknown field`);
  }
  const field = issue.path.length ? String(issue.path[0]) : fallbackField;
  const label = issue.path.length ? pathLabel(issue.path) : fallbackField;
  return badRequest(field, `${label}: ${issue.message}`);
}

/** Transport failures (server down, deadline passed) become a 503 the client can retry. */
export function fromTemporalError(err: unknown): ApiError | undefined {
  if (err instanceof WorkflowUpdateFailedError) {
    // The workflow's validator or handler refused: the action does not fit the job's state.
    return conflict(err.cause?.message ?? err.message);
  }
  if (err instanceof WorkflowNotFoundError) return conflict('the job has no running workflow');
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new ApiError(
      503,
      'worker_unavailable',
      'no worker answered in time; the request may still take effect once a worker picks it up',
    );
  }
  if (err instanceof ServiceError || isGrpcServiceError(err) || isGrpcServiceError((err as { cause?: unknown })?.cause)) {
    return new ApiError(503, 'temporal_unavailable', 'Temporal is unavailable; try again shortly');
  }
  return undefined;
}

export function errorJson(c: Context<AppEnv>, status: ContentfulStatusCode, error: ErrorBody['error']) {
  return c.json<ErrorBody>({ error }, status);
}

/** The app's onError: known errors keep their status; the rest are a 500 carrying only a request id. */
export function handleError(err: Error, c: Context<AppEnv>) {
  if (err instanceof ApiError) {
    return errorJson(c, err.status, { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) });
  }
  if (err instanceof HTTPException) {
    return errorJson(c, err.status, { code: codeForStatus(err.status), message: err.message || defaultMessage(err.status) });
  }
  const temporal = fromTemporalError(err);
  if (temporal) {
    c.get('logger')?.warn({ err: { name: err.name, message: err.message } }, 'temporal call failed');
    return errorJson(c, temporal.status, { code: temporal.code, message: temporal.message });
  }
  if (isPgConnectionError(err)) {
    c.get('logger')?.warn({ err: { name: err.name, message: err.message } }, 'database unavailable');
    return errorJson(c, 503, { code: 'database_unavailable', message: 'the database is unavailable; try again shortly' });
  }
  const requestId = c.get('requestId');
  c.get('logger')?.error({ err }, 'unhandled error');
  return errorJson(c, 500, { code: 'internal', message: 'internal error', request_id: requestId });
}

// Connection-level failures (refused, reset, pool timeout, server shutting down), as opposed to a
// query bug, which must stay a 500 so it gets noticed.
function isPgConnectionError(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  const transient = ['57P01', '57P02', '57P03', '53300', '3D000', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'];
  if (typeof code === 'string' && (/^08/.test(code) || transient.includes(code))) {
    return true;
  }
  return /timeout exceeded when trying to connect|Connection terminated/i.test(err.message);
}

function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'invalid_request';
    case 401:
      return 'unauthorized';
    case 404:
      return 'not_found';
    case 405:
      return 'method_not_allowed';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 503:
      return 'temporal_unavailable';
    default:
      return status >= 500 ? 'internal' : 'invalid_request';
  }
}

function defaultMessage(status: number): string {
  return status === 415 ? 'unsupported media type' : status === 413 ? 'payload too large' : 'request failed';
}
