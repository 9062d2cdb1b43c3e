import type { LoadRetryStateOutput } from '../activities/index.js';
import type {
  BackfillInput,
  CarryState,
  FailureCode,
  JobStatus,
  Progress,
  UnitCounts,
  UnitFailure,
  UnitRef,
  UnitTimeouts,
} from './messages.js';
import { unitRef, unitsTotalOf } from './units.js';

export const RECENT_FAILURES = 20;

/**
 * Where the workflow's main line is. Message validators read it: a job being cancelled takes no
 * retry, a job that is finishing or waiting for retries has nothing to pause.
 */
export type Stage = 'running' | 'finishing' | 'waiting' | 'cancelling';

interface Totals {
  barsFetched: number;
  barsInserted: number;
  /** Absent in results recorded before corrections were counted (replayed histories). */
  barsUpdated?: number;
}

/**
 * What one job's workflow knows, as plain data: a cursor over fresh units, a retry queue, the set
 * of failed units, counters and a bounded list of recent failures. Per-unit truth lives in
 * Postgres; this is only enough to schedule, answer `progress`, and survive continue-as-new.
 *
 * Counters are sums over finished units of their stored totals: a unit's bars are added when it
 * completes or fails, and taken away again if it is requeued, so a retried unit is never counted twice.
 */
export class JobState {
  readonly unitsTotal: number;
  nextUnitNo = 0;
  retryQueue: number[] = [];
  failed = new Set<number>();
  completed = 0;
  cancelled = 0;
  barsFetched = 0;
  barsInserted = 0;
  barsUpdated = 0;
  recentFailures: UnitFailure[] = [];
  running = new Map<number, UnitRef>();
  /**
   * The job's status as Postgres and the BackfillStatus search attribute show it, and the only
   * place the workflow keeps it: `paused` is derived from it. `pending` until initJob answers.
   */
  status: JobStatus = 'pending';
  stage: Stage = 'running';
  /**
   * Histories recorded before the `pause-during-init` patch: a pause that arrived during initJob
   * was overwritten by `running` but still held the units until a resume. Only those replays set it.
   */
  legacyHold = false;
  /** A job-wide failure (bad_key): no unit starts after it, and the units not finished fail with it. */
  fatal: { code: FailureCode; message: string } | null = null;
  startedAt: string;
  updatedAt: string;
  run = 1;
  retryDeadline: string | null = null;
  settings: UnitTimeouts | undefined;
  /** Units taken out of `failed` by a retry whose requeue activity has not answered yet. */
  requeueing = 0;
  /** How many times a unit was scheduled again in this run; keeps activity ids distinct. */
  retrySeq = 0;
  startedThisRun = 0;

  constructor(
    readonly input: BackfillInput,
    now: string,
  ) {
    this.unitsTotal = unitsTotalOf(input);
    this.startedAt = now;
    this.updatedAt = now;
    const c = input.carry;
    if (c) {
      this.nextUnitNo = c.nextUnitNo;
      this.retryQueue = [...c.retryQueue];
      this.failed = new Set(c.failedUnitNos);
      this.completed = c.counts.completed;
      this.cancelled = c.counts.cancelled;
      this.barsFetched = c.barsFetched;
      this.barsInserted = c.barsInserted;
      this.barsUpdated = c.barsUpdated ?? 0;
      this.recentFailures = c.recentFailures.slice(0, RECENT_FAILURES);
      this.startedAt = c.startedAt;
      this.run = c.run + 1;
      this.settings = c.settings;
      this.status = c.status ?? (c.paused ? 'paused' : 'running');
      this.legacyHold = c.paused && !this.paused;
      this.retryDeadline = c.retryDeadline ?? null;
    }
  }

  get paused(): boolean {
    return this.status === 'paused';
  }

  /**
   * A job restarted to retry its failed units: Postgres (loadRetryState) is the truth, the previous
   * run's memory is gone. Every fresh unit was created by the first run, so the cursor is at the end.
   */
  reopen(s: LoadRetryStateOutput): void {
    this.settings = s.settings;
    this.nextUnitNo = this.unitsTotal;
    this.retryQueue = [...s.requeued];
    this.failed = new Set(s.failed);
    this.completed = s.completed;
    this.cancelled = s.cancelled;
    this.barsFetched = s.barsFetched;
    this.barsInserted = s.barsInserted;
    this.barsUpdated = s.barsUpdated ?? 0;
    this.recentFailures = s.recentFailures.slice(0, RECENT_FAILURES) as UnitFailure[];
    if (s.startedAt) this.startedAt = s.startedAt;
  }

  touch(now: string): void {
    this.updatedAt = now;
  }

  hasQueued(): boolean {
    return this.retryQueue.length > 0 || this.nextUnitNo < this.unitsTotal;
  }

  canStart(concurrency: number): boolean {
    return !this.paused && !this.legacyHold && !this.fatal && this.running.size < concurrency && this.hasQueued();
  }

  /** Nothing running, nothing queued, no retry about to be queued: the units are all finished. */
  drained(): boolean {
    return this.running.size === 0 && !this.hasQueued() && this.requeueing === 0;
  }

  /** Takes the next unit to run: retries first (a user is waiting on them), then fresh units. */
  takeNext(): { ref: UnitRef; retry: number } {
    const fromRetry = this.retryQueue.shift();
    const unitNo = fromRetry ?? this.nextUnitNo++;
    const ref = unitRef(this.input, unitNo);
    this.running.set(unitNo, ref);
    this.startedThisRun++;
    return { ref, retry: fromRetry === undefined ? 0 : ++this.retrySeq };
  }

  unitCompleted(unitNo: number, totals: Totals): void {
    this.running.delete(unitNo);
    this.completed++;
    this.barsFetched += totals.barsFetched;
    this.barsInserted += totals.barsInserted;
    this.barsUpdated += totals.barsUpdated ?? 0;
  }

  unitFailed(unitNo: number, code: FailureCode, message: string, at: string, totals: Totals): void {
    this.running.delete(unitNo);
    this.failed.add(unitNo);
    this.barsFetched += totals.barsFetched;
    this.barsInserted += totals.barsInserted;
    this.barsUpdated += totals.barsUpdated ?? 0;
    this.recentFailures.unshift({ ...unitRef(this.input, unitNo), code, message: message.slice(0, 500), at });
    if (this.recentFailures.length > RECENT_FAILURES) this.recentFailures.length = RECENT_FAILURES;
  }

  /** A unit whose activity was cancelled with the job: Postgres marks it cancelled. */
  unitCancelled(unitNo: number): void {
    this.running.delete(unitNo);
  }

  /** The units not finished failed with the job-wide failure (failOpenUnits): nothing is left to start. */
  failedOpen(unitNos: readonly number[]): void {
    this.retryQueue = [];
    this.nextUnitNo = this.unitsTotal;
    for (const no of unitNos) this.failed.add(no);
  }

  /** Synchronous half of a retry: the units leave `failed` at once so a second request cannot take them too. */
  beginRequeue(unitNos: readonly number[]): void {
    // Asking for a retry says the cause is fixed (a new key): units may start again.
    this.fatal = null;
    for (const no of unitNos) this.failed.delete(no);
    this.requeueing += unitNos.length;
  }

  /** Second half, once Postgres has them pending again; `requested` units Postgres did not requeue stay failed. */
  endRequeue(requested: readonly number[], requeued: readonly number[], totals: Totals): void {
    this.requeueing -= requested.length;
    const done = new Set(requeued);
    for (const no of requested) if (!done.has(no)) this.failed.add(no);
    this.retryQueue.push(...requeued);
    this.barsFetched -= totals.barsFetched;
    this.barsInserted -= totals.barsInserted;
    this.barsUpdated -= totals.barsUpdated ?? 0;
    const again = new Set(requeued.map((no) => no));
    this.recentFailures = this.recentFailures.filter((f) => !again.has(f.unitNo));
  }

  /** The requeue activity failed (cancelled): the units are still failed. */
  abortRequeue(requested: readonly number[]): void {
    this.requeueing -= requested.length;
    for (const no of requested) this.failed.add(no);
  }

  counts(): UnitCounts {
    const failed = this.failed.size + this.requeueing;
    const running = this.running.size;
    return {
      pending: this.unitsTotal - running - this.completed - failed - this.cancelled,
      running,
      completed: this.completed,
      failed,
      cancelled: this.cancelled,
    };
  }

  /** The status the units add up to once they are all finished. */
  outcome(): JobStatus {
    if (this.fatal) return 'failed';
    if (this.failed.size === 0) return 'completed';
    return this.failed.size === this.unitsTotal ? 'failed' : 'completed_with_errors';
  }

  progress(): Progress {
    return {
      jobId: this.input.jobId,
      status: this.status,
      paused: this.paused,
      unitsTotal: this.unitsTotal,
      counts: this.counts(),
      barsFetched: this.barsFetched,
      barsInserted: this.barsInserted,
      barsUpdated: this.barsUpdated,
      current: [...this.running.values()],
      recentFailures: this.recentFailures,
      startedAt: this.startedAt,
      updatedAt: this.updatedAt,
      run: this.run,
      retryDeadline: this.retryDeadline,
    };
  }

  carry(): CarryState {
    return {
      nextUnitNo: this.nextUnitNo,
      retryQueue: [...this.retryQueue],
      failedUnitNos: [...this.failed].sort((a, b) => a - b),
      counts: this.counts(),
      barsFetched: this.barsFetched,
      barsInserted: this.barsInserted,
      barsUpdated: this.barsUpdated,
      recentFailures: this.recentFailures,
      paused: this.paused || this.legacyHold,
      startedAt: this.startedAt,
      run: this.run,
      settings: this.settings,
      status: this.status,
      retryDeadline: this.retryDeadline,
    };
  }
}
