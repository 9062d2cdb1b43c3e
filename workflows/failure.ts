import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { FAILURE_CODES, type FailureCode } from './vocabulary.js';

const isFailureCode = (s: string | null | undefined): s is FailureCode => (FAILURE_CODES as readonly unknown[]).includes(s);

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
      const code: FailureCode = isFailureCode(cur.type) ? cur.type : 'internal';
      return { code, message: timedOut ? `unit deadline exceeded; last error: ${cur.message}` : cur.message };
    }
    if (cur instanceof TimeoutFailure) timedOut = true;
    cur = (cur as { cause?: unknown }).cause;
  }
  if (timedOut) return { code: 'deadline_exceeded', message: 'unit deadline exceeded' };
  return { code: 'internal', message: (err as Error)?.message ?? String(err) };
}
