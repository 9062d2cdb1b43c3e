import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import type { FailureCode } from './messages.js';

const CODES = new Set<string>([
  'not_entitled',
  'unknown_ticker',
  'bad_key',
  'bad_request',
  'rate_limited',
  'upstream_error',
  'bad_payload',
  'deadline_exceeded',
  'internal',
]);

/**
 * Names why a unit's activity finally failed. Activities throw ApplicationFailures typed with a
 * FailureCode; when the unit's deadline ran out, the server wraps the last attempt's failure in a
 * TimeoutFailure, and that last failure is the more useful reason ("rate limited past the retry
 * budget" reads as code rate_limited with a deadline message).
 */
export function describeFailure(err: unknown): { code: FailureCode; message: string } {
  let cur: unknown = err instanceof ActivityFailure ? err.cause : err;
  let timedOut = false;
  for (let depth = 0; cur && depth < 10; depth++) {
    if (cur instanceof ApplicationFailure) {
      const code = (cur.type && CODES.has(cur.type) ? cur.type : 'internal') as FailureCode;
      return { code, message: timedOut ? `unit deadline exceeded; last error: ${cur.message}` : cur.message };
    }
    if (cur instanceof TimeoutFailure) timedOut = true;
    cur = (cur as { cause?: unknown }).cause;
  }
  if (timedOut) return { code: 'deadline_exceeded', message: 'unit deadline exceeded' };
  return { code: 'internal', message: (err as Error)?.message ?? String(err) };
}
