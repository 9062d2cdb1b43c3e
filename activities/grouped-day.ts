import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { columnsOf, parseDateToDay, parseTimeframe } from '../src/polygon/index.js';
import { CalendarSet } from '../src/calendar/index.js';
import { validatePage } from '../src/ingest/validate.js';
import { claimDay, finishGroupedUnits, markDayFailed, noteDayError, openGroupedUnits, writeGroupedDay, type DayBar, type DayTotals, type GroupedOutcome } from '../src/db/grouped-days.js';
import { GROUPED_TIMEFRAME } from '../workflows/vocabulary.js';
import type { ActivityDeps } from './deps.js';
import { keepAlive } from './keep-alive.js';
import { toActivityFailure } from './failures.js';
import { ProgressClock, deadlineExceeded } from './unit-deadline.js';

export interface GroupedDayInput {
  jobId: string;
  dayNo: number;
}

export type GroupedDayResult = DayTotals;

export function createGroupedDayActivities({ pool, polygon, logger, metrics, config }: Pick<ActivityDeps, 'pool' | 'polygon' | 'logger' | 'metrics' | 'config'>) {
  const deadlineSeconds = config.UNIT_DEADLINE_SECONDS;
  const calendar = new CalendarSet().get('XNYS');
  const timeframe = parseTimeframe(GROUPED_TIMEFRAME);

  /**
   * One session day of a grouped job: one grouped-daily request for every symbol, written in one
   * fenced transaction (bars, ledger, each unit's counters, the day's row). A retried attempt after
   * the commit reports the stored totals; a symbol missing from the answer is a fetched day without
   * a bar for its series.
   */
  async function backfillGroupedDay(input: GroupedDayInput): Promise<GroupedDayResult> {
    const ctx = Context.current();
    const { jobId, dayNo } = input;
    const log = logger.child({ jobId, dayNo, attempt: ctx.info.attempt });
    const alive = keepAlive(ctx, () => ({ dayNo }));
    let token: number | undefined;
    try {
      const claim = await claimDay(pool, jobId, dayNo);
      if (claim.state === 'completed') return claim.totals;
      if (claim.state === 'gone') throw ApplicationFailure.create({ type: 'internal', message: `day ${dayNo} is ${claim.status ?? 'missing'}; nothing to run`, nonRetryable: true });
      token = claim.attemptToken;
      if (new ProgressClock(deadlineSeconds * 1000, claim.idleMs).expired()) throw deadlineExceeded(deadlineSeconds, claim.lastError);
      const day = parseDateToDay(claim.day)!;
      const { adjusted, units } = await openGroupedUnits(pool, jobId);
      const answer = await polygon.groupedDaily({ date: claim.day, adjusted }, { signal: ctx.cancellationSignal });
      const t0 = performance.now();
      const scope = { timeframe, calendar, fromDay: day, toDay: day };
      const rows: DayBar[] = units.map((u) => {
        const bar = answer.bars.get(u.symbol) ?? null;
        return { unitNo: u.unitNo, seriesId: u.seriesId, bar, violations: bar ? validatePage(columnsOf([bar]), scope) : [] };
      });
      const violations = rows.flatMap((r) => r.violations);
      if (violations.length > 0) metrics.validationViolations(violations);
      const totals = await writeGroupedDay(pool, { jobId, dayNo, attemptToken: token, day, rows });
      if (totals === null) throw ApplicationFailure.create({ type: 'internal', message: `day ${dayNo}: another attempt owns it now; this attempt stopped without writing`, nonRetryable: true });
      metrics.pageWritten({ timeframe: GROUPED_TIMEFRAME, fetched: totals.barsFetched, inserted: totals.barsInserted, seconds: (performance.now() - t0) / 1000 });
      log.info({ date: claim.day, symbols: units.length, ...totals, received: answer.received }, 'grouped day written');
      return totals;
    } catch (err) {
      if (ctx.cancellationSignal.aborted) {
        const reason = ctx.cancellationSignal.reason;
        throw reason instanceof CancelledFailure ? reason : new CancelledFailure(String(reason ?? 'cancelled'));
      }
      const failure = toActivityFailure(err);
      log.warn({ code: failure instanceof ApplicationFailure ? failure.type : 'cancelled', err: failure.message }, 'grouped day attempt failed');
      if (token !== undefined && failure instanceof ApplicationFailure && !failure.nonRetryable) {
        await noteDayError(pool, jobId, dayNo, token, failure.type ?? 'internal', failure.message).catch(() => undefined);
      }
      throw failure;
    } finally {
      alive.stop();
    }
  }

  return {
    backfillGroupedDay,
    /** A day's activity failed for good (the workflow's bookkeeping). */
    markDayFailed: (input: { jobId: string; dayNo: number; code: string; message: string }) => markDayFailed(pool, input.jobId, input.dayNo, input.code, input.message),
    /** No day left to run: the grouped units complete, or fail with the first failed day's reason. */
    finishGroupedUnits: (input: { jobId: string }): Promise<GroupedOutcome> => finishGroupedUnits(pool, input.jobId),
  };
}
