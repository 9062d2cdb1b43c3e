import { ApplicationFailure } from '@temporalio/common';
import type { FailureCode } from '../workflows/vocabulary.js';

/**
 * A unit's deadline is a budget for failing, not for working: UNIT_DEADLINE_SECONDS counts the
 * time since the unit last committed a page (its no-progress clock, `job_units.last_progress_at`),
 * minus the time it spent waiting for the shared rate limiter. A unit that keeps committing runs as
 * long as its requests need; one that commits nothing for that long (errors, stalls) fails.
 */
export function deadlineExceeded(deadlineSeconds: number, why: string | null): ApplicationFailure {
  return ApplicationFailure.create({
    type: 'deadline_exceeded' satisfies FailureCode,
    message: `unit deadline exceeded: no page committed for ${deadlineSeconds} s (UNIT_DEADLINE_SECONDS)${why ? `; last error: ${why}` : ''}`,
    nonRetryable: true,
  });
}

/** One attempt's view of the no-progress clock, on this process' monotonic clock from the idle time Postgres reported at claim. */
export class ProgressClock {
  #zeroAt: number;
  #waitingSince: number | null = null;

  constructor(
    readonly deadlineMs: number,
    idleMs: number,
  ) {
    this.#zeroAt = performance.now() - idleMs;
  }

  idleMs(): number {
    const now = performance.now();
    return now - this.#zeroAt - (this.#waitingSince === null ? 0 : now - this.#waitingSince);
  }

  expired(): boolean {
    return this.idleMs() > this.deadlineMs;
  }

  /** A page committed: the clock starts again. */
  progressed(): void {
    const now = performance.now();
    this.#zeroAt = now;
    if (this.#waitingSince !== null) this.#waitingSince = now;
  }

  /** The rate limiter made the attempt wait (true) or let it go (false); returns the wait's length when it ends. */
  waiting(on: boolean): number {
    const now = performance.now();
    if (on) {
      this.#waitingSince ??= now;
      return 0;
    }
    if (this.#waitingSince === null) return 0;
    const waited = now - this.#waitingSince;
    this.#zeroAt += waited;
    this.#waitingSince = null;
    return waited;
  }

  /** Calls `onExpired` once when the clock runs past the deadline while the attempt runs. */
  watch(onExpired: () => void): { stop(): void } {
    const timer = setInterval(
      () => {
        if (!this.expired()) return;
        clearInterval(timer);
        onExpired();
      },
      Math.max(100, Math.min(1_000, this.deadlineMs / 10)),
    );
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }
}
