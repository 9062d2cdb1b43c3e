import { markUnitRateLimited } from '../src/db/unit-rate-limit-wait.js';
import type { ActivityDeps } from './deps.js';

export interface RateLimitWaits {
  /** Runs `fn` (a pull of the next page) so that its limiter waits are recorded on the unit. */
  during<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * Records in Postgres, for the API's unit answers, when this attempt waits for the shared rate
 * limiter without a slot, and when the wait ends. The marks are written one after another, in
 * the order the waits happen; a failed mark only costs the status its hint.
 */
export function rateLimitWaits(
  { pool, limiter }: Pick<ActivityDeps, 'pool' | 'limiter'>,
  unit: { jobId: string; unitNo: number; attemptToken: number },
): RateLimitWaits {
  let marks: Promise<void> = Promise.resolve();
  const observe = (waiting: boolean) => {
    marks = marks.then(() => markUnitRateLimited(pool, unit.jobId, unit.unitNo, unit.attemptToken, waiting)).catch(() => undefined);
  };
  return { during: (fn) => limiter.observeWaits(observe, fn) };
}
