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
import { groupedUnitsOf, isGroupedUnit, unitRef, unitsTotalOf } from './units.js';

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

  // Grouped daily: a grouped job's `1d` units are served by one activity per session day (numbered
  // 0..days-1), not by their own. While any day is queued or running the grouped units are open
  // (`groupedOpen`, counted as running); once none is, finishGroupedUnits completes them or fails
  // them with the first failed day's reason. A retry of grouped units runs only the failed days.
  days = 0;
  nextDay = 0;
  dayQueue: number[] = [];
  runningDays = new Set<number>();
  failedDays = new Set<number>();
  groupedOpen = false;
  groupedOpenUnits = 0;
  /** Bars of the days completed since the grouped units last finished: shown live, replaced by the units' stored totals when they finish. */
  groupedLive = { barsFetched: 0, barsInserted: 0, barsUpdated: 0 };

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
      const g = c.grouped;
      if (g) {
        this.days = g.days;
        this.nextDay = g.nextDay;
        this.dayQueue = [...g.dayQueue];
        this.failedDays = new Set(g.failedDays);
        this.groupedOpen = g.open;
        this.groupedOpenUnits = g.openUnits;
        this.groupedLive = { ...g.live };
      }
    }
    this.skipGrouped();
  }

  /** Fresh units the grouped days serve are never started on their own: the cursor steps over them. */
  private skipGrouped(): void {
    while (this.nextUnitNo < this.unitsTotal && isGroupedUnit(this.input, this.nextUnitNo)) this.nextUnitNo++;
  }

  /** After initJob of a grouped job: its `days` session days are all to run, its grouped units open. */
  startGrouped(days: number): void {
    this.days = days;
    this.nextDay = 0;
    this.groupedOpen = true;
    this.groupedOpenUnits = groupedUnitsOf(this.input);
  }

  /** Units and days in flight (they share the job's concurrency). */
  inFlight(): number {
    return this.running.size + this.runningDays.size;
  }

  private daysQueued(): boolean {
    return this.groupedOpen && (this.dayQueue.length > 0 || this.nextDay < this.days);
  }

  canStartDay(concurrency: number): boolean {
    return !this.paused && !this.legacyHold && !this.fatal && this.inFlight() < concurrency && this.daysQueued();
  }

  /** The next day to run: a retried one first, then fresh ones in date order. */
  takeDay(): { dayNo: number; retry: number } {
    const fromQueue = this.dayQueue.shift();
    const dayNo = fromQueue ?? this.nextDay++;
    this.runningDays.add(dayNo);
    this.startedThisRun++;
    return { dayNo, retry: fromQueue === undefined ? 0 : ++this.retrySeq };
  }

  dayCompleted(dayNo: number, totals: Totals): void {
    this.runningDays.delete(dayNo);
    this.failedDays.delete(dayNo);
    this.groupedLive.barsFetched += totals.barsFetched;
    this.groupedLive.barsInserted += totals.barsInserted;
    this.groupedLive.barsUpdated += totals.barsUpdated ?? 0;
    this.barsFetched += totals.barsFetched;
    this.barsInserted += totals.barsInserted;
    this.barsUpdated += totals.barsUpdated ?? 0;
  }

  dayFailed(dayNo: number): void {
    this.runningDays.delete(dayNo);
    this.failedDays.add(dayNo);
  }

  dayCancelled(dayNo: number): void {
    this.runningDays.delete(dayNo);
  }

  /** No day queued or running while the grouped units are open: time to finish them. */
  groupedReadyToFinish(): boolean {
    return this.groupedOpen && this.runningDays.size === 0 && !this.daysQueued();
  }

  /** finishGroupedUnits answered: the grouped units' stored totals replace the days' live ones. */
  groupedFinished(r: { completed: readonly number[]; failed: readonly number[]; failure: { code: string; message: string } | null; totals: Totals }, at: string): void {
    this.groupedOpen = false;
    this.groupedOpenUnits = 0;
    this.completed += r.completed.length;
    this.barsFetched += r.totals.barsFetched - this.groupedLive.barsFetched;
    this.barsInserted += r.totals.barsInserted - this.groupedLive.barsInserted;
    this.barsUpdated += (r.totals.barsUpdated ?? 0) - this.groupedLive.barsUpdated;
    this.groupedLive = { barsFetched: 0, barsInserted: 0, barsUpdated: 0 };
    for (const no of r.failed) this.failed.add(no);
    if (r.failure) {
      for (const no of r.failed.slice(0, RECENT_FAILURES)) {
        this.recentFailures.unshift({ ...unitRef(this.input, no), code: r.failure.code as FailureCode, message: r.failure.message.slice(0, 500), at });
      }
      if (this.recentFailures.length > RECENT_FAILURES) this.recentFailures.length = RECENT_FAILURES;
    }
  }

  /** Requeued grouped units: their failed days run again (the others are stored for them already). */
  private reopenGrouped(unitNos: readonly number[], openDays: Iterable<number>): void {
    if (unitNos.length === 0) return;
    this.groupedOpen = true;
    this.groupedOpenUnits = unitNos.length;
    this.dayQueue.push(...[...openDays].sort((a, b) => a - b));
    this.failedDays.clear();
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
    this.retryQueue = s.requeued.filter((no) => !isGroupedUnit(this.input, no));
    if (s.groupedDays) {
      this.days = s.groupedDays.total;
      this.nextDay = s.groupedDays.total;
      this.failedDays = new Set(s.groupedDays.open);
      this.reopenGrouped(s.requeued.filter((no) => isGroupedUnit(this.input, no)), s.groupedDays.open);
    }
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
    return this.unitsQueued() || this.daysQueued();
  }

  private unitsQueued(): boolean {
    return this.retryQueue.length > 0 || this.nextUnitNo < this.unitsTotal;
  }

  canStart(concurrency: number): boolean {
    return !this.paused && !this.legacyHold && !this.fatal && this.inFlight() < concurrency && this.unitsQueued();
  }

  /** Nothing running, nothing queued, no retry about to be queued: the units are all finished. */
  drained(): boolean {
    return this.inFlight() === 0 && !this.hasQueued() && this.requeueing === 0 && !this.groupedOpen;
  }

  /** Takes the next unit to run: retries first (a user is waiting on them), then fresh units. */
  takeNext(): { ref: UnitRef; retry: number } {
    const fromRetry = this.retryQueue.shift();
    const unitNo = fromRetry ?? this.nextUnitNo++;
    const ref = unitRef(this.input, unitNo);
    this.running.set(unitNo, ref);
    this.startedThisRun++;
    this.skipGrouped();
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
    if (this.groupedOpen) {
      // The grouped units failed with the rest; the days not run are what a retry must run.
      for (const d of this.dayQueue) this.failedDays.add(d);
      for (let d = this.nextDay; d < this.days; d++) this.failedDays.add(d);
      this.dayQueue = [];
      this.nextDay = this.days;
      this.groupedOpen = false;
      this.groupedOpenUnits = 0;
      this.groupedLive = { barsFetched: 0, barsInserted: 0, barsUpdated: 0 };
    }
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
    this.retryQueue.push(...requeued.filter((no) => !isGroupedUnit(this.input, no)));
    this.reopenGrouped(requeued.filter((no) => isGroupedUnit(this.input, no)), this.failedDays);
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
    const running = this.running.size + (this.groupedOpen ? this.groupedOpenUnits : 0);
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
      ...(this.days > 0 || this.groupedOpen
        ? {
            grouped: {
              days: this.days,
              nextDay: this.nextDay,
              dayQueue: [...this.dayQueue],
              failedDays: [...this.failedDays].sort((a, b) => a - b),
              open: this.groupedOpen,
              openUnits: this.groupedOpenUnits,
              live: { ...this.groupedLive },
            },
          }
        : {}),
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
