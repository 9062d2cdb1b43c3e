import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { parseDateToDay, parseTimeframe, type Page, type ResumeCursor } from '../src/polygon/index.js';
import { claimUnit, completeUnit, noteUnitError, type UnitTotals } from '../src/db/unit-attempt.js';
import { seriesId } from '../src/db/series.js';
import { createPageWriter } from '../src/db/write-page.js';
import { describeViolations, inspectPage, type InspectedPage, type UnitScope } from '../src/coverage/inspect-page.js';
import { writeCoverage } from '../src/db/coverage-write.js';
import { noDays } from '../src/coverage/day-facts.js';
import { jobValidationMode } from '../src/db/job-validation.js';
import { CalendarSet } from '../src/calendar/index.js';
import type { ActivityDeps, UnitConfig } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { rateLimitWaits } from './rate-limit-wait.js';
import { toActivityFailure } from './failures.js';
import { ProgressClock, deadlineExceeded } from './unit-deadline.js';
import { creditLimiterWait, planUnitPages } from '../src/db/unit-progress.js';
import { readUnitFetchPlan, saveUnitFetchPlan } from '../src/db/unit-fetch-plan.js';
import { readHeldRuns } from '../src/db/coverage-held.js';
import { sessionSettles } from '../src/coverage/settle.js';
import { planUnitFetch, type DayRun } from '../src/planner/runs.js';
import type { TradingCalendar } from '../src/calendar/calendar.js';
import type { Timeframe } from '../src/polygon/timeframes.js';
import type { Pool } from '../src/db/pool.js';

const PROGRESS_RETRY_DELAY = '1s';

/** A page as stored without validation or ledger rows (INGEST_COVERAGE=false, measurement only). */
const unchecked = (page: Page): Pick<InspectedPage, 'violations' | 'bars'> & { coverage: undefined } => ({ violations: [], bars: page.bars, coverage: undefined });

export interface UnitInput {
  jobId: string;
  unitNo: number;
  symbol: string;
  timeframe: string;
  startDate: string;
  endDate: string;
  adjusted: boolean;
}

/** Totals of the unit as stored in Postgres (all attempts), never the bars themselves. */
export type UnitResult = UnitTotals;

/** What each heartbeat carries: a hint only; Postgres' resume_cursor is the truth. */
export interface UnitHeartbeat {
  cursor: ResumeCursor;
  pages: number;
}

const superseded = (unitNo: number) =>
  ApplicationFailure.create({
    type: 'internal',
    message: `unit ${unitNo}: another attempt owns it now; this attempt stopped without writing`,
    nonRetryable: true,
  });

export function createBackfillUnit({
  pool,
  polygon,
  logger,
  metrics,
  config,
  limiter,
}: Pick<ActivityDeps, 'pool' | 'polygon' | 'logger' | 'metrics' | 'limiter'> & { config: UnitConfig }) {
  const deadlineSeconds = config.UNIT_DEADLINE_SECONDS;
  const writePage = createPageWriter(pool);
  const calendars = new CalendarSet();
  // INGEST_COVERAGE=false exists to measure what validation and the ledger cost (bench ledger-cost).
  const ledger = config.INGEST_COVERAGE !== false;

  /**
   * Fetches every page of one symbol x timeframe and writes each one with its cursor in a single
   * transaction, resuming after the last committed page. Fetching page k+1 overlaps writing page k.
   */
  return async function backfillUnit(input: UnitInput): Promise<UnitResult> {
    const ctx = Context.current();
    const { jobId, unitNo } = input;
    const log = logger.child({ jobId, unitNo, symbol: input.symbol, timeframe: input.timeframe, attempt: ctx.info.attempt });
    const began = performance.now();
    let token: number | undefined;
    let details: UnitHeartbeat = { cursor: null, pages: 0 };
    const alive = keepAlive(ctx, () => details);
    // Our own abort, so that a failed write also stops the read-ahead request in flight.
    const stop = new AbortController();
    const signal = AbortSignal.any([ctx.cancellationSignal, stop.signal]);
    let iterator: AsyncIterator<Page> | undefined;
    // Pages this attempt committed: an attempt that made progress restarts its retry backoff.
    let committedThisAttempt = 0;
    let watch: { stop(): void } | undefined;
    try {
      const timeframe = parseTimeframe(input.timeframe);
      const claim = await claimUnit(pool, jobId, unitNo);
      if (claim.state === 'completed') {
        log.info('unit already completed in Postgres; reporting its stored totals');
        return { pages: claim.pages, barsFetched: claim.barsFetched, barsInserted: claim.barsInserted, barsUpdated: claim.barsUpdated };
      }
      if (claim.state === 'gone') {
        throw ApplicationFailure.create({ type: 'internal', message: `unit ${unitNo} is ${claim.status ?? 'missing'}; nothing to run`, nonRetryable: true });
      }
      token = claim.attemptToken;
      const clock = new ProgressClock(deadlineSeconds * 1000, claim.idleMs);
      // Retries of transient errors end here: nothing committed for the whole budget.
      if (clock.expired()) throw deadlineExceeded(deadlineSeconds, claim.lastError);
      watch = clock.watch(() => stop.abort(deadlineExceeded(deadlineSeconds, 'stalled: no page arrived')));
      const resume = claim.resumeCursor as ResumeCursor;
      details = { cursor: resume, pages: claim.pages };
      const hinted = ctx.info.heartbeatDetails as UnitHeartbeat | undefined;
      if (hinted && JSON.stringify(hinted.cursor) !== JSON.stringify(resume)) {
        // A heartbeat can be ahead of Postgres (page fetched, transaction not committed) or behind
        // (throttled heartbeat); only the committed cursor is safe to resume from.
        log.debug({ hinted: hinted.cursor, stored: resume }, 'heartbeat cursor differs from stored cursor; using stored');
      }
      const sid = await seriesId(pool, { symbol: input.symbol, timeframe: timeframe.label, multiplier: timeframe.multiplier, timespan: timeframe.timespan, adjusted: input.adjusted });

      const calendar = calendars.forTicker(input.symbol);
      const fromDay = parseDateToDay(input.startDate)!;
      const toDay = parseDateToDay(input.endDate)!;
      const runs = await fetchRuns(
        { pool, calendar, timeframe, fromDay, toDay, limit: polygon.limit, settleMinutes: config.COVERAGE_SETTLE_MINUTES ?? null },
        { jobId, unitNo, attemptToken: token, seriesId: sid },
      );
      if (runs === null) throw superseded(unitNo);
      const query = { ticker: input.symbol, timeframe, from: input.startDate, to: input.endDate, adjusted: input.adjusted, runs };
      await planUnitPages(pool, jobId, unitNo, token, polygon.plannedRequests(query));
      const it = polygon.pages(query, { resume, signal })[Symbol.asyncIterator]();
      iterator = it;
      const scope: UnitScope = { timeframe, calendar, fromDay, toDay };
      const strict = (await jobValidationMode(pool, jobId)) === 'strict';
      // The cursor the next page continues from: the ledger adds to the date holding that bar.
      let after = resume;
      let pages = claim.pages;
      // Where the time goes: blocked on Polygon (beyond the read-ahead) vs writing to Postgres.
      let waitMs = 0;
      let writeMs = 0;
      const waits = rateLimitWaits({ pool, limiter }, { jobId, unitNo, attemptToken: token });
      // Waiting for the shared limiter is work, not failure: each wait is credited to the clock.
      const onLimiterWait = (waiting: boolean) => {
        const waited = clock.waiting(waiting);
        if (waited > 0) void creditLimiterWait(pool, jobId, unitNo, claim.attemptToken, waited).catch(() => undefined);
      };
      await limiter.observeWaits(onLimiterWait, async () => {
        let next = waits.during(() => it.next());
        for (;;) {
          const w0 = performance.now();
          const r = await next;
          waitMs += performance.now() - w0;
          if (r.done) break;
          next = waits.during(() => it.next());
          // If the write below fails, nobody awaits the read-ahead: keep its rejection handled.
          next.catch(() => undefined);
          const t0 = performance.now();
          const page = r.value;
          const { violations, bars, coverage } = ledger ? inspectPage(page, after, scope) : unchecked(page);
          if (violations.length > 0) metrics.validationViolations(violations);
          if (strict && violations.length > 0) {
            // Listed for /issues, but none of the page is stored: the job asked for clean data only.
            await writeCoverage(pool, { seriesId: sid, jobId, afterTs: null, days: noDays(), violations });
            throw ApplicationFailure.create({ type: 'bad_data', nonRetryable: true, message: `unit ${unitNo} (${input.symbol} ${input.timeframe}): ${describeViolations(violations)}` });
          }
          const written = await writePage({ jobId, unitNo, attemptToken: claim.attemptToken, seriesId: sid, bars, fetched: page.bars.count, cursor: page.cursor, coverage }, signal);
          writeMs += performance.now() - t0;
          if (!written.committed) throw superseded(unitNo);
          metrics.pageWritten({ timeframe: timeframe.label, fetched: r.value.bars.count, inserted: written.inserted, seconds: (performance.now() - t0) / 1000, path: written.path });
          pages++;
          committedThisAttempt++;
          after = page.cursor;
          clock.progressed();
          details = { cursor: page.cursor, pages };
          ctx.heartbeat(details);
        }
      });
      const totals = await completeUnit(pool, jobId, unitNo, token);
      if (!totals) throw superseded(unitNo);
      metrics.unitAttemptEnded('completed');
      const secs = (performance.now() - began) / 1000;
      log.info(
        {
          ...totals,
          seconds: Number(secs.toFixed(3)),
          barsPerSec: Math.round((totals.barsFetched - claim.barsFetched) / Math.max(secs, 1e-3)),
          waitMs: Math.round(waitMs),
          writeMs: Math.round(writeMs),
        },
        'unit completed',
      );
      return totals;
    } catch (err) {
      if (ctx.cancellationSignal.aborted) {
        const reason = ctx.cancellationSignal.reason;
        log.info({ reason: String(reason) }, 'unit attempt cancelled');
        metrics.unitAttemptEnded('cancelled');
        throw reason instanceof CancelledFailure ? reason : new CancelledFailure(String(reason ?? 'cancelled'));
      }
      // The no-progress clock ran out mid-attempt: that, not the aborted request, is the reason.
      let failure = stop.signal.reason instanceof ApplicationFailure ? stop.signal.reason : toActivityFailure(err);
      if (committedThisAttempt > 0 && failure instanceof ApplicationFailure && !failure.nonRetryable && failure.nextRetryDelay === undefined) {
        // The policy's backoff grows with every attempt of the unit, even those that moved it on;
        // on a flaky upstream a long unit would spend its deadline waiting. Progress resets it.
        failure = ApplicationFailure.create({ type: failure.type ?? undefined, message: failure.message, details: failure.details as unknown[], nextRetryDelay: PROGRESS_RETRY_DELAY });
      }
      log.warn({ code: failure instanceof ApplicationFailure ? failure.type : 'cancelled', err: failure.message }, 'unit attempt failed');
      metrics.unitAttemptEnded(failure instanceof ApplicationFailure ? (failure.type ?? 'internal') : 'cancelled');
      if (token !== undefined && failure instanceof ApplicationFailure && !failure.nonRetryable) {
        await noteUnitError(pool, jobId, unitNo, token, failure.type ?? 'internal', failure.message).catch(() => undefined);
      }
      throw failure;
    } finally {
      watch?.stop();
      alive.stop();
      stop.abort();
      iterator?.return?.().catch(() => undefined);
    }
  };
}

/**
 * The date runs the unit fetches: the plan a previous attempt stored, or, on the first attempt, the
 * plan over what the coverage ledger does not hold as final now (reprocess "missing"), or the whole
 * range ("all"). Fixed once: the unit's own pages make its range final as they commit, and a retry
 * that planned again would count them as skipped and move pages_planned under the resume cursor.
 * Null when this attempt no longer owns the unit.
 */
async function fetchRuns(
  ctx: { pool: Pool; calendar: TradingCalendar; timeframe: Timeframe; fromDay: number; toDay: number; limit: number; settleMinutes: number | null },
  unit: { jobId: string; unitNo: number; attemptToken: number; seriesId: number },
): Promise<readonly DayRun[] | null> {
  const stored = await readUnitFetchPlan(ctx.pool, unit.jobId, unit.unitNo);
  if (stored.runs !== null) return stored.runs;
  let held: DayRun[] | null = null;
  if (stored.reprocess === 'missing') {
    const { days, settleMs } = sessionSettles(ctx.calendar, ctx.fromDay, ctx.toDay, ctx.settleMinutes);
    held = (await readHeldRuns(ctx.pool, [unit.seriesId], days, settleMs)).get(unit.seriesId) ?? [];
  }
  const plan = planUnitFetch(ctx.calendar, ctx.timeframe, ctx.fromDay, ctx.toDay, ctx.limit, held);
  return saveUnitFetchPlan(ctx.pool, unit.jobId, unit.unitNo, unit.attemptToken, {
    runs: plan.runs,
    sessionsSkipped: plan.sessionsSkipped,
    requestsSaved: plan.requestsAll - plan.requests,
  });
}
