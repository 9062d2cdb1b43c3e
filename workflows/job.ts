import {
  ActivityCancellationType,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  patched,
  proxyActivities,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { BackfillActivities } from '../activities/index.js';
import type { BackfillInput, FailureCode, JobStatus, Progress, RetryRequest, RetryResult, UnitRef } from './messages.js';
import { PERMANENT_FAILURE_CODES, isFinalJobStatus, isJobWideFailure, type UnitTimeouts } from './vocabulary.js';
import { JOB_ID, JOB_STATUS, SYMBOLS_COUNT } from './search-attributes.js';
import { JobState } from './state.js';
import { describeFailure } from './failure.js';
import { dayActivityId, selectFailed, unitActivityId, unitRef, validateRetryRequest } from './units.js';
import { announceOutcome } from './webhook.js';

/** Used when a run somehow lacks the timing initJob reports (it never should). */
const DEFAULT_TIMEOUTS: UnitTimeouts = { unitDeadlineSeconds: 3_600, heartbeatTimeoutSeconds: 30 };
/** RetryResult.units is a sample for display; `requeued` has the full count. */
const MAX_UNITS_IN_REPLY = 1_000;
// Keeps pending activities well under the server's 2,000 per run whatever the caller asks for.
const MAX_CONCURRENCY = 1_000;

const nowIso = () => new Date().toISOString();

/** How the units' pass ended: all finished, or the run must continue-as-new first. */
export type RunOutcome = 'drained' | 'continue';
/** How the retry window ended: it closed, a retry queued units, or the run must continue-as-new. */
export type WaitOutcome = 'closed' | 'retry' | 'continue';

/**
 * One backfill job's bookkeeping and the steps the workflow's phases are made of (the
 * ClusterManager of temporalio/samples-typescript's safe-message-handlers). Message handlers and
 * the main line call these methods; all state lives in `state` (a JobState), so what the job knows
 * is in one place and survives continue-as-new through JobState.carry().
 */
export class BackfillJob {
  readonly state: JobState;
  readonly concurrency: number;
  // Bookkeeping activities touch a few rows: short timeouts, retried without limit so that a
  // Postgres outage delays the job instead of failing it; cancelled without waiting.
  private readonly book = proxyActivities<BackfillActivities>({
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes: ['bad_request'] },
    cancellationType: ActivityCancellationType.TRY_CANCEL,
  });
  // Status writes go through one chain so that Postgres sees them in the order the workflow made
  // them, even when a pause handler and the main loop write at nearly the same time.
  private statusChain: Promise<unknown> = Promise.resolve();

  constructor(readonly input: BackfillInput) {
    this.state = new JobState(input, workflowInfo().startTime.toISOString());
    this.concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(input.concurrency) || 1));
  }

  get jobId(): string {
    return this.input.jobId;
  }

  progress(): Progress {
    return this.state.progress();
  }

  // ---- status -----------------------------------------------------------------------------------

  /** Sets the status and its search attribute (upserted only when it changes). */
  private publish(status: JobStatus): void {
    const changed = this.state.status !== status;
    this.state.status = status;
    this.state.touch(nowIso());
    if (changed) upsertSearchAttributes([{ key: JOB_STATUS, value: status }]);
  }

  /** Sets the status and writes it to Postgres, in order with the other status writes. */
  private setStatus(status: JobStatus, error: string | null = null): Promise<void> {
    this.publish(status);
    const write = this.statusChain.then(() => this.book.setJobStatus({ jobId: this.jobId, status: status as Exclude<JobStatus, 'pending'>, error }));
    this.statusChain = write.catch(() => undefined);
    return write;
  }

  /**
   * Every status write made so far has reached Postgres. A pause or resume answers before its
   * write, so the run must not close or continue-as-new with one still pending.
   */
  async statusWritten(): Promise<void> {
    await this.statusChain;
  }

  // ---- messages ---------------------------------------------------------------------------------

  validateRetry(req: RetryRequest | undefined): void {
    if (this.state.stage === 'cancelling') throw new Error('the job is being cancelled');
    validateRetryRequest(this.input, req);
    if (selectFailed(this.input, this.state.failed, req).length === 0) throw new Error('no failed unit matches this request');
  }

  async retryFailed(req: RetryRequest | undefined): Promise<RetryResult> {
    const units = selectFailed(this.input, this.state.failed, req);
    if (units.length === 0) return { requeued: 0, units: [] };
    this.state.beginRequeue(units);
    let requeued: number[];
    try {
      const r = await this.book.requeueUnits({ jobId: this.jobId, unitNos: units });
      this.state.endRequeue(units, r.unitNos, r);
      requeued = r.unitNos;
    } catch (err) {
      this.state.abortRequeue(units);
      throw err;
    }
    this.state.touch(nowIso());
    log.info('failed units requeued', { requeued: requeued.length });
    return { requeued: requeued.length, units: requeued.slice(0, MAX_UNITS_IN_REPLY).map((no) => unitRef(this.input, no)) };
  }

  async retryFailedSignal(req: RetryRequest | undefined): Promise<void> {
    try {
      this.validateRetry(req);
    } catch (err) {
      // A signal has no reply: the rejection can only be logged (visible in the worker's log).
      log.warn('retryFailedSignal ignored', { reason: (err as Error).message });
      return;
    }
    await this.retryFailed(req);
  }

  validatePause(): void {
    const { stage, status } = this.state;
    if (stage !== 'running') throw new Error(`the job is ${stage === 'cancelling' ? 'being cancelled' : status}; nothing to pause`);
  }

  async pause(): Promise<Progress> {
    return this.state.paused ? this.progress() : this.applyStatus('paused');
  }

  validateResume(): void {
    if (this.state.stage === 'cancelling') throw new Error('the job is being cancelled');
  }

  async resume(): Promise<Progress> {
    if (!this.state.paused && !this.state.legacyHold) return this.progress();
    this.state.legacyHold = false;
    return this.applyStatus('running');
  }

  /**
   * A pause or resume takes effect in the workflow at once, and its answer is the state this call
   * left: the status Postgres reaches when the ordered write chain gets there. Awaiting the write
   * made concurrent calls queue behind each other's activities past the API's update deadline, and
   * answer with whatever a later call had set by then. Histories recorded before the patch did that.
   */
  private applyStatus(status: JobStatus): Promise<Progress> {
    const write = this.setStatus(status);
    if (!patched('control-answers-before-write')) return write.then(() => this.progress());
    const answer = this.progress();
    // A failed write is the chain's to deal with (it retries without limit; only cancellation ends it).
    write.catch(() => undefined);
    return Promise.resolve(answer);
  }

  async pauseSignal(): Promise<void> {
    if (this.state.stage === 'running') await this.pause();
  }

  async resumeSignal(): Promise<void> {
    if (this.state.stage !== 'cancelling') await this.resume();
  }

  // ---- phases -----------------------------------------------------------------------------------

  /** A run continued-as-new: Postgres already holds its status; only the search attribute is re-asserted per run. */
  resumeCarried(): void {
    upsertSearchAttributes([{ key: JOB_STATUS, value: this.state.status }]);
  }

  /**
   * Phase 1 of a first run: creates the job in Postgres, or, for a retry, reopens it. False when
   * the job cannot start at all (it is then marked failed).
   */
  async init(): Promise<boolean> {
    const { state, input } = this;
    upsertSearchAttributes([
      { key: JOB_ID, value: this.jobId },
      { key: SYMBOLS_COUNT, value: input.symbols.length },
    ]);
    if (input.retry) {
      state.reopen(await this.book.loadRetryState({ jobId: this.jobId, retry: input.retry }));
      return true;
    }
    try {
      const r = await this.book.initJob({
        jobId: this.jobId,
        symbols: input.symbols,
        timeframes: input.timeframes,
        startDate: input.startDate,
        endDate: input.endDate,
        adjusted: input.adjusted,
        concurrency: this.concurrency,
        // Only when set: histories recorded before webhooks keep their exact initJob input.
        ...(input.webhook ? { webhook: input.webhook } : {}),
        ...(input.strategy === 'grouped' ? { strategy: input.strategy } : {}),
      });
      state.settings = r.settings;
      state.startedAt = r.startedAt;
      if (r.groupedDays !== undefined) state.startGrouped(r.groupedDays);
      return true;
    } catch (err) {
      if (isCancellation(err)) throw err;
      // Only a bad request (e.g. an unknown timeframe) gets here: the job cannot start at all.
      state.stage = 'finishing';
      await this.setStatus('failed', describeFailure(err).message);
      await this.announce();
      return false;
    }
  }

  // The status writes that end a phase are returned, not awaited here: the main line awaits the
  // write itself, so its next commands keep the order recorded histories have (see replay.test.ts).

  /** After init: the job runs (a pause that arrived during initJob stands; initJob marked the job running). */
  markStarted(): Promise<void> {
    const { state } = this;
    if (state.paused && !patched('pause-during-init')) {
      // Before the patch, `running` overwrote a pause that arrived during initJob, yet the units
      // stayed held until a resume; replays of those histories must do the same.
      state.legacyHold = true;
      return this.setStatus('running');
    }
    return this.setStatus(state.paused ? 'paused' : 'running');
  }

  private mustContinue(): boolean {
    return workflowInfo().continueAsNewSuggested || (this.input.maxUnitsPerRun !== undefined && this.state.startedThisRun >= this.input.maxUnitsPerRun);
  }

  /** Phase 2, the sliding window: starts units while there is room, until all are finished or the run must continue-as-new. */
  async runUnits(): Promise<RunOutcome> {
    const { state } = this;
    state.stage = 'running';
    for (;;) {
      if (state.drained()) return 'drained';
      if (state.fatal && state.inFlight() === 0 && state.hasQueued()) {
        await this.failOpenUnits(state.fatal);
        continue;
      }
      // Per-ticker jobs never get here (no grouped days): their command sequence is unchanged.
      if (state.groupedReadyToFinish()) {
        await this.finishGrouped();
        continue;
      }
      if (this.mustContinue()) {
        await condition(() => state.inFlight() === 0);
        return 'continue';
      }
      if (state.canStartDay(this.concurrency)) {
        const { dayNo, retry } = state.takeDay();
        void this.runDay(dayNo, retry);
        continue;
      }
      if (state.canStart(this.concurrency)) {
        const { ref, retry } = state.takeNext();
        void this.runUnit(ref, retry);
        continue;
      }
      await condition(
        () =>
          state.drained() ||
          this.mustContinue() ||
          state.canStart(this.concurrency) ||
          state.canStartDay(this.concurrency) ||
          state.groupedReadyToFinish() ||
          (!!state.fatal && state.inFlight() === 0),
      );
    }
  }

  private unitOptions(ref: UnitRef, retry: number): ActivityOptions {
    const t = this.state.settings ?? DEFAULT_TIMEOUTS;
    return {
      activityId: unitActivityId(ref, retry),
      summary: `${ref.symbol} ${ref.timeframe} (unit ${ref.unitNo})`,
      // No schedule-to-close timeout: a unit that keeps committing pages runs as long as its
      // requests need. The activity itself fails `deadline_exceeded` (non-retryable) once the unit
      // committed nothing for unitDeadlineSeconds; until then transient errors retry. The SDK wants
      // some bound per attempt: one that reaches it is retried and resumes from its committed cursor.
      startToCloseTimeout: '1 day',
      heartbeatTimeout: t.heartbeatTimeoutSeconds * 1000,
      // Permanent Polygon errors: the activity marks them non-retryable too; this is belt and braces.
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [...PERMANENT_FAILURE_CODES] },
      // Cancellation waits for the attempt to stop, so the job is marked cancelled after its writes end.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    };
  }

  private async runUnit(ref: UnitRef, retry: number): Promise<void> {
    const { state, input, jobId } = this;
    const { backfillUnit } = proxyActivities<BackfillActivities>(this.unitOptions(ref, retry));
    try {
      const r = await backfillUnit({
        jobId,
        unitNo: ref.unitNo,
        symbol: ref.symbol,
        timeframe: ref.timeframe,
        startDate: input.startDate,
        endDate: input.endDate,
        adjusted: input.adjusted,
      });
      state.unitCompleted(ref.unitNo, r);
    } catch (err) {
      if (isCancellation(err)) {
        state.unitCancelled(ref.unitNo);
        return;
      }
      const { code, message } = describeFailure(err);
      if (isJobWideFailure(code)) state.fatal ??= { code, message };
      try {
        const row = await this.book.markUnitFailed({ jobId, unitNo: ref.unitNo, code, message });
        // Postgres may know better: an attempt that committed the unit's end before its result was lost.
        if (row.status === 'completed') state.unitCompleted(ref.unitNo, row);
        else if (row.status === 'cancelled') state.unitCancelled(ref.unitNo);
        else state.unitFailed(ref.unitNo, code, message, nowIso(), row);
      } catch {
        // Only cancellation ends markUnitFailed's retries; the cancel path marks the unit.
        state.unitCancelled(ref.unitNo);
      }
    }
    state.touch(nowIso());
  }

  private dayOptions(dayNo: number, retry: number): ActivityOptions {
    const t = this.state.settings ?? DEFAULT_TIMEOUTS;
    return {
      activityId: dayActivityId(dayNo, retry),
      summary: `grouped daily, session day ${dayNo + 1} of ${this.state.days}`,
      // As for units: the activity fails deadline_exceeded once the day made no progress for
      // unitDeadlineSeconds; until then transient errors and 429s retry.
      startToCloseTimeout: '1 hour',
      heartbeatTimeout: t.heartbeatTimeoutSeconds * 1000,
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: [...PERMANENT_FAILURE_CODES] },
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    };
  }

  /** One session day of a grouped job: one request for every symbol; a failed day waits for a retry alone. */
  private async runDay(dayNo: number, retry: number): Promise<void> {
    const { state, jobId } = this;
    const { backfillGroupedDay } = proxyActivities<BackfillActivities>(this.dayOptions(dayNo, retry));
    try {
      state.dayCompleted(dayNo, await backfillGroupedDay({ jobId, dayNo }));
    } catch (err) {
      if (isCancellation(err)) {
        state.dayCancelled(dayNo);
        return;
      }
      const { code, message } = describeFailure(err);
      if (isJobWideFailure(code)) state.fatal ??= { code, message };
      try {
        const row = await this.book.markDayFailed({ jobId, dayNo, code, message });
        // Committed before its result was lost: finishGroupedUnits reads its bars from the units.
        if (row.status === 'completed') state.dayCompleted(dayNo, { barsFetched: 0, barsInserted: 0, barsUpdated: 0 });
        else state.dayFailed(dayNo);
      } catch {
        state.dayCancelled(dayNo);
      }
    }
    state.touch(nowIso());
  }

  /** Every day ran: the grouped units complete, or fail with the first failed day's reason. */
  private async finishGrouped(): Promise<void> {
    const r = await this.book.finishGroupedUnits({ jobId: this.jobId });
    this.state.groupedFinished(r, nowIso());
    this.state.touch(nowIso());
    log.info('grouped units finished', { completed: r.completed.length, failed: r.failed.length });
  }

  /** A job-wide failure: the units not finished fail with it at once, in one statement. */
  private async failOpenUnits(fatal: { code: FailureCode; message: string }): Promise<void> {
    const unitNos = await this.book.failOpenUnits({ jobId: this.jobId, code: fatal.code, message: fatal.message });
    this.state.failedOpen(unitNos);
    this.state.touch(nowIso());
    log.warn('job-wide failure: open units failed at once', { code: fatal.code, units: unitNos.length });
  }

  /** Phase 3: the units are all finished. False when a retry arrived while the handlers still running finished. */
  async settle(): Promise<boolean> {
    this.state.stage = 'finishing';
    await condition(allHandlersFinished);
    return this.state.drained();
  }

  /**
   * The status the finished units add up to: `write` unless the job already has it, and whether
   * the job then stays open for retries (failed units and a non-zero window). Decided here, before
   * the write: a retry that arrives during it is picked up by the window.
   */
  publishOutcome(): { write: Promise<void> | null; waitForRetries: boolean } {
    const { state } = this;
    const outcome = state.outcome();
    const waitForRetries = outcome !== 'completed' && this.input.retryWindowSeconds > 0;
    // The window opens with the status that announces it: nobody sees one without the other.
    if (waitForRetries) state.retryDeadline ??= this.retryDeadlineFromNow();
    if (state.status === outcome) return { write: null, waitForRetries };
    const error =
      outcome === 'completed' ? null : state.fatal ? `${state.fatal.code}: ${state.fatal.message}` : `${state.failed.size} of ${state.unitsTotal} units failed`;
    return { write: this.setStatus(outcome, error), waitForRetries };
  }

  /**
   * After publishOutcome's write: tells the job's webhook (if any) the status it just reached. A job
   * that reopens for a retry and ends again announces its new outcome as a new event.
   */
  async announce(): Promise<void> {
    const { status } = this.state;
    if (isFinalJobStatus(status)) await announceOutcome(this.jobId, this.input.webhook, status);
  }

  private retryDeadlineFromNow(): string {
    return new Date(Date.now() + this.input.retryWindowSeconds * 1000).toISOString();
  }

  /** Phase 4, for a job with failed units: stays open for retryFailed until the window closes. */
  async waitForRetries(): Promise<WaitOutcome> {
    const { state } = this;
    state.stage = 'waiting';
    state.retryDeadline ??= this.retryDeadlineFromNow();
    const wake = () => state.requeueing > 0 || state.hasQueued();
    const left = Date.parse(state.retryDeadline) - Date.now();
    const woke = left > 0 ? await condition(() => wake() || this.mustContinue(), left) : wake();
    if (woke && !wake()) return 'continue';
    await condition(allHandlersFinished);
    return state.drained() ? 'closed' : 'retry';
  }

  /** A retry queued units during the window: the job runs again. */
  reopenForRetry(): Promise<void> {
    const { state } = this;
    state.retryDeadline = null;
    state.stage = 'running';
    return this.setStatus(state.paused ? 'paused' : 'running');
  }

  /** Before continue-as-new: updates and signals still running (a requeue) finish first; what they queued is carried. */
  async nextRunInput(): Promise<BackfillInput> {
    await condition(allHandlersFinished);
    await this.statusWritten();
    const { state } = this;
    log.info('continuing as new', { run: state.run, nextUnitNo: state.nextUnitNo, historyLength: workflowInfo().historyLength });
    return { ...this.input, retry: undefined, carry: state.carry() };
  }

  /** The workflow was cancelled: stop the units, then cancel in Postgres whatever is left. */
  async cancel(): Promise<void> {
    const { state } = this;
    state.stage = 'cancelling';
    await CancellationScope.nonCancellable(async () => {
      // Running attempts hear the cancellation on their next heartbeat and stop; give them that
      // long (their writes are fenced off by then anyway).
      const grace = ((state.settings ?? DEFAULT_TIMEOUTS).heartbeatTimeoutSeconds + 5) * 1000;
      await condition(() => state.inFlight() === 0, grace);
      const n = await this.book.cancelJob({ jobId: this.jobId });
      state.running.clear();
      state.runningDays.clear();
      state.groupedOpen = false;
      state.groupedOpenUnits = 0;
      state.cancelled += n;
      this.publish('cancelled');
      await this.announce();
    });
  }

  logFinished(): void {
    const { state } = this;
    log.info('job finished', { status: state.status, completed: state.completed, failed: state.failed.size, barsInserted: state.barsInserted });
  }
}
