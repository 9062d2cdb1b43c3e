import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { InvalidTimeframeError, PolygonError, RateLimitedError } from '../src/polygon/index.js';
import type { FailureCode } from '../workflows/messages.js';

/**
 * Turns whatever a unit attempt threw into the failure Temporal should act on. The failure `type`
 * is always a FailureCode, so the workflow can name the reason without knowing error classes:
 * - 429: retryable, after Retry-After when Polygon sent one (nextRetryDelay), else the policy's backoff;
 * - other Polygon errors: retryable or not as the client classified them;
 * - anything else (Postgres down, a reset socket): retryable, `internal`, until the unit's deadline.
 */
export function toActivityFailure(err: unknown): ApplicationFailure | CancelledFailure {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  if (err instanceof RateLimitedError) {
    return ApplicationFailure.create({
      type: 'rate_limited' satisfies FailureCode,
      message: err.message,
      nonRetryable: false,
      nextRetryDelay: err.retryAfterMs ?? undefined,
      details: [err.toJSON()],
    });
  }
  if (err instanceof PolygonError) {
    return ApplicationFailure.create({ type: err.code, message: err.message, nonRetryable: !err.retryable, details: [err.toJSON()] });
  }
  if (err instanceof InvalidTimeframeError) {
    return ApplicationFailure.create({ type: 'bad_request' satisfies FailureCode, message: err.message, nonRetryable: true });
  }
  const e = err as { message?: string; code?: string; name?: string };
  // Postgres data exceptions (22xxx) and constraint violations (23xxx) repeat on every retry.
  if (typeof e.code === 'string' && /^2[23][0-9A-Z]{3}$/.test(e.code)) {
    return ApplicationFailure.create({ type: 'bad_request' satisfies FailureCode, message: `rejected by Postgres (${e.code}): ${e.message}`, nonRetryable: true });
  }
  const what = e.code ? `${e.name ?? 'Error'} ${e.code}` : (e.name ?? 'Error');
  return ApplicationFailure.create({ type: 'internal' satisfies FailureCode, message: `${what}: ${e.message ?? String(err)}`, nonRetryable: false });
}

