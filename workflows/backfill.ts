import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { BackfillActivities } from '../activities/index.js';
import {
  pauseSignal,
  pauseUpdate,
  progressQuery,
  resumeSignal,
  resumeUpdate,
  retryFailedSignal,
  retryFailedUpdate,
  type BackfillInput,
  type JobStatus,
  type Progress,
  type RetryRequest,
  type RetryResult,
  type UnitRef,
  type UnitTimeouts,
} from './messages.js';
import { JOB_ID, JOB_STATUS, SYMBOLS_COUNT } from './search-attributes.js';
import { JobState } from './state.js';
import { describeFailure } from './failure.js';
import { inputProblems, selectFailed, unitActivityId, unitRef, validateRetryRequest } from './units.js';

/** Used when a run somehow lacks the timing initJob reports (it never should). */
const DEFAULT_TIMEOUTS: UnitTimeouts = { unitDeadlineSeconds: 3_600, heartbeatTimeoutSeconds: 30 };
/** Permanent Polygon errors: the activity marks them non-retryable too; this is belt and braces. */
const NON_RETRYABLE = ['not_entitled', 'unknown_ticker', 'bad_key', 'bad_request'];
/** RetryResult.units is a sample for display; `requeued` has the full count. */
const MAX_UNITS_IN_REPLY = 1_000;
// Keeps pending activities well under the server's 2,000 per run whatever the caller asks for.
const MAX_CONCURRENCY = 1_000;

// Bookkeeping activities touch a few rows: short timeouts, retried without limit so that a
// Postgres outage delays the job instead of failing it; cancelled without waiting.
const book = proxyActivities<BackfillActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '500 ms', backoffCoefficient: 2, maximumInterval: '10 seconds', nonRetryableErrorTypes: ['bad_request'] },
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});

type Phase = 'running' | 'finishing' | 'waiting' | 'cancelling';

/**
 * One backfill job: creates its units in Postgres, runs them through a sliding window of
 * `concurrency` activities, records failures without stopping, and closes with `completed`,
 * `completed_with_errors`, `failed` or `cancelled`. Long jobs continue-as-new, carrying only a
 * cursor, counters and bounded lists (see JobState).
 *
 * Retrying after the job closed: the API starts this workflow again with the same workflow id,
 * the same input and `retry` set; the new run reloads the job from Postgres and runs only the
 * failed units the request selects.
 */
export async function BackfillWorkflow(input: BackfillInput): Promise<Progress> {
  const problems = inputProblems(input);
  if (problems.length > 0) throw ApplicationFailure.nonRetryable(`invalid job input: ${problems.join('; ')}`, 'bad_request');
  const nowIso = () => new Date().toISOString();
  const state = new JobState(input, workflowInfo().startTime.toISOString());
  const concurrency = Math.max(1, Math.min(MAX_CONCURRENCY, Math.floor(input.concurrency) || 1));
  const jobId = input.jobId;
  let phase: Phase = 'running';
  let publishedStatus: JobStatus | undefined;

  // Status writes go through one chain so that Postgres sees them in the order the workflow made
  // them, even when a pause handler and the main loop write at nearly the same time.
  let statusChain: Promise<unknown> = Promise.resolve();
  function setStatus(status: JobStatus, error: string | null = null): Promise<void> {
    state.status = status;
    state.touch(nowIso());
    if (publishedStatus !== status) {
      publishedStatus = status;
      upsertSearchAttributes([{ key: JOB_STATUS, value: status }]);
    }
    const write = statusChain.then(() => book.setJobStatus({ jobId, status: status as Exclude<JobStatus, 'pending'>, error }));
    statusChain = write.catch(() => undefined);
    return write;
  }

  const mustContinue = () =>
    workflowInfo().continueAsNewSuggested || (input.maxUnitsPerRun !== undefined && state.startedThisRun >= input.maxUnitsPerRun);

  // ---- messages -------------------------------------------------------------------------------

  setHandler(progressQuery, () => state.progress());

  function checkRetry(req: RetryRequest | undefined): void {
    if (phase === 'cancelling') throw new Error('the job is being cancelled');
    validateRetryRequest(input, req);
    if (selectFailed(input, state.failed, req).length === 0) throw new Error('no failed unit matches this request');
  }

  async function retryFailed(req: RetryRequest | undefined): Promise<RetryResult> {
    const units = selectFailed(input, state.failed, req);
    if (units.length === 0) return { requeued: 0, units: [] };
    state.beginRequeue(units);
    let requeued: number[];
    try {
      const r = await book.requeueUnits({ jobId, unitNos: units });
      state.endRequeue(units, r.unitNos, r);
      requeued = r.unitNos;
    } catch (err) {
      state.abortRequeue(units);
      throw err;
    }
    state.touch(nowIso());
    log.info('failed units requeued', { requeued: requeued.length });
    return { requeued: requeued.length, units: requeued.slice(0, MAX_UNITS_IN_REPLY).map((no) => unitRef(input, no)) };
  }

  setHandler(retryFailedUpdate, retryFailed, { validator: checkRetry });
  setHandler(retryFailedSignal, async (req) => {
    try {
      checkRetry(req);
    } catch (err) {
      // A signal has no reply: the rejection can only be logged (visible in the worker's log).
      log.warn('retryFailedSignal ignored', { reason: (err as Error).message });
      return;
    }
    await retryFailed(req);
  });

  function checkPause(): void {
    if (phase !== 'running') throw new Error(`the job is ${phase === 'cancelling' ? 'being cancelled' : state.status}; nothing to pause`);
  }
  async function pause(): Promise<Progress> {
    if (!state.paused) {
      state.paused = true;
      await setStatus('paused');
    }
    return state.progress();
  }
  function checkResume(): void {
    if (phase === 'cancelling') throw new Error('the job is being cancelled');
  }
  async function resume(): Promise<Progress> {
    if (state.paused) {
      state.paused = false;
      await setStatus('running');
    }
    return state.progress();
  }
  setHandler(pauseUpdate, pause, { validator: checkPause });
  setHandler(resumeUpdate, resume, { validator: checkResume });
  setHandler(pauseSignal, async () => {
    if (phase === 'running') await pause();
  });
  setHandler(resumeSignal, async () => {
    if (phase !== 'cancelling') await resume();
  });

  // ---- units ----------------------------------------------------------------------------------

  function unitOptions(ref: UnitRef, retry: number): ActivityOptions {
    const t = state.settings ?? DEFAULT_TIMEOUTS;
    return {
      activityId: unitActivityId(ref, retry),
      summary: `${ref.symbol} ${ref.timeframe} (unit ${ref.unitNo})`,
      // The unit's whole budget across attempts: transient errors retry until it runs out.
      scheduleToCloseTimeout: t.unitDeadlineSeconds * 1000,
      heartbeatTimeout: t.heartbeatTimeoutSeconds * 1000,
      retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute', nonRetryableErrorTypes: NON_RETRYABLE },
      // Cancellation waits for the attempt to stop, so the job is marked cancelled after its writes end.
      cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    };
  }

  async function runUnit(ref: UnitRef, retry: number): Promise<void> {
    const { backfillUnit } = proxyActivities<BackfillActivities>(unitOptions(ref, retry));
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
      try {
        const row = await book.markUnitFailed({ jobId, unitNo: ref.unitNo, code, message });
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

  /** The sliding window: start units while there is room, until all are finished or the run must continue-as-new. */
  async function runUnits(): Promise<'drained' | 'continue'> {
    for (;;) {
      if (state.drained()) return 'drained';
      if (mustContinue()) {
        await condition(() => state.running.size === 0);
        return 'continue';
      }
      if (state.canStart(concurrency)) {
        const { ref, retry } = state.takeNext();
        void runUnit(ref, retry);
        continue;
      }
      await condition(() => state.drained() || mustContinue() || state.canStart(concurrency));
    }
  }

  async function continueAsNewNow(): Promise<never> {
    // Updates and signals still running (a requeue) finish first; what they queued is carried.
    await condition(allHandlersFinished);
    log.info('continuing as new', { run: state.run, nextUnitNo: state.nextUnitNo, historyLength: workflowInfo().historyLength });
    return continueAsNew<typeof BackfillWorkflow>({ ...input, retry: undefined, carry: state.carry() });
  }

  // ---- the job ----------------------------------------------------------------------------------

  try {
    if (!input.carry) {
      upsertSearchAttributes([
        { key: JOB_ID, value: jobId },
        { key: SYMBOLS_COUNT, value: input.symbols.length },
      ]);
      if (input.retry) {
        const s = await book.loadRetryState({ jobId, retry: input.retry });
        state.settings = s.settings;
        state.nextUnitNo = state.unitsTotal;
        state.retryQueue = [...s.requeued];
        state.failed = new Set(s.failed);
        state.completed = s.completed;
        state.cancelled = s.cancelled;
        state.barsFetched = s.barsFetched;
        state.barsInserted = s.barsInserted;
        state.recentFailures = s.recentFailures as Progress['recentFailures'];
        if (s.startedAt) state.startedAt = s.startedAt;
      } else {
        try {
          const r = await book.initJob({
            jobId,
            symbols: input.symbols,
            timeframes: input.timeframes,
            startDate: input.startDate,
            endDate: input.endDate,
            adjusted: input.adjusted,
            concurrency,
          });
          state.settings = r.settings;
          state.startedAt = r.startedAt;
        } catch (err) {
          if (isCancellation(err)) throw err;
          // Only a bad request (e.g. an unknown timeframe) gets here: the job cannot start at all.
          const { message } = describeFailure(err);
          phase = 'finishing';
          await setStatus('failed', message);
          return state.progress();
        }
      }
    }
    if (input.carry) {
      // Postgres already holds this status; only the search attribute is re-asserted per run.
      publishedStatus = state.status;
      upsertSearchAttributes([{ key: JOB_STATUS, value: state.status }]);
    } else {
      await setStatus('running');
    }

    for (;;) {
      if ((await runUnits()) === 'continue') return await continueAsNewNow();

      phase = 'finishing';
      await condition(allHandlersFinished);
      if (!state.drained()) {
        // A retry arrived while the last units finished.
        phase = 'running';
        continue;
      }
      const outcome = state.outcome();
      state.paused = false;
      if (state.status !== outcome) {
        const error = outcome === 'completed' ? null : `${state.failed.size} of ${state.unitsTotal} units failed`;
        await setStatus(outcome, error);
      }
      if (outcome === 'completed' || input.retryWindowSeconds <= 0) break;

      // Failed units: stay open for retryFailed until the window closes.
      phase = 'waiting';
      state.retryDeadline ??= new Date(Date.now() + input.retryWindowSeconds * 1000).toISOString();
      const wake = () => state.requeueing > 0 || state.hasQueued();
      const left = Date.parse(state.retryDeadline) - Date.now();
      const woke = left > 0 ? await condition(() => wake() || mustContinue(), left) : wake();
      if (woke && !wake()) return await continueAsNewNow();
      await condition(allHandlersFinished);
      if (state.drained()) break;
      state.retryDeadline = null;
      phase = 'running';
      await setStatus(state.paused ? 'paused' : 'running');
    }
    log.info('job finished', { status: state.status, completed: state.completed, failed: state.failed.size, barsInserted: state.barsInserted });
    return state.progress();
  } catch (err) {
    if (!isCancellation(err)) throw err;
    phase = 'cancelling';
    await CancellationScope.nonCancellable(async () => {
      // Running attempts hear the cancellation on their next heartbeat and stop; give them that
      // long, then cancel in Postgres whatever is left (their writes are fenced off by then anyway).
      const grace = ((state.settings ?? DEFAULT_TIMEOUTS).heartbeatTimeoutSeconds + 5) * 1000;
      await condition(() => state.running.size === 0, grace);
      const n = await book.cancelJob({ jobId });
      state.running.clear();
      state.cancelled += n;
      state.status = 'cancelled';
      state.touch(nowIso());
      upsertSearchAttributes([{ key: JOB_STATUS, value: 'cancelled' }]);
    });
    throw err;
  }
}
