import { CalendarSet } from '../src/calendar/index.js';
import type { Config } from '../src/config.js';
import { insertJob } from '../src/db/insert-job.js';
import { readFetchedDays } from '../src/db/schedule-fetched.js';
import { parseTimeframe } from '../src/polygon/index.js';
import { seriesKey, topUpRange } from '../src/schedules/range.js';
import { workflowIdForJob } from '../workflows/messages.js';
import type { PlanTopUpInput, TopUpPlan } from '../workflows/schedule-messages.js';
import type { ActivityDeps } from './deps.js';
import { toActivityFailure } from './failures.js';
import { inputForJob } from '../src/temporal/job-input.js';

export type PlanTopUpDeps = Pick<ActivityDeps, 'pool' | 'logger'> & {
  config: Pick<Config, 'JOB_RETRY_WINDOW_SECONDS'> & Partial<Pick<Config, 'COVERAGE_SETTLE_MINUTES'>>;
};

export function createPlanTopUp({ pool, logger, config }: PlanTopUpDeps) {
  const calendars = new CalendarSet();
  /**
   * A schedule run's range, from the ledger as of the run's scheduled time, and its job row
   * (schedule_id set). Idempotent: a retry finds the row the first attempt inserted (same job id,
   * same key) and answers with that job, whatever the ledger says by then.
   */
  return async function planTopUp(input: PlanTopUpInput): Promise<TopUpPlan> {
    try {
      const atMs = Date.parse(input.scheduledAt);
      const canonical = input.timeframes.map((t) => parseTimeframe(t).label);
      const p = { symbols: input.symbols, timeframes: canonical, lookbackSessions: input.lookbackSessions, atMs, settleMinutes: config.COVERAGE_SETTLE_MINUTES ?? null };
      const first = topUpRange(calendars, p, new Map());
      const rows = await readFetchedDays(pool, { symbols: input.symbols, timeframes: canonical, adjusted: input.adjusted, ...first.window });
      const fetched = new Map<string, Map<string, number>>();
      for (const r of rows) {
        const key = seriesKey(r.symbol, r.timeframe);
        let days = fetched.get(key);
        if (!days) fetched.set(key, (days = new Map()));
        days.set(r.day, r.fetchedAt.getTime());
      }
      const { window, range } = topUpRange(calendars, p, fetched);
      if (!range) {
        logger.info({ scheduleId: input.scheduleId, scheduledAt: input.scheduledAt, window }, 'schedule run: every session is final');
        return { kind: 'up_to_date', window };
      }
      const { job } = await insertJob(pool, {
        jobId: input.jobId,
        workflowId: workflowIdForJob(input.jobId),
        idempotencyKey: `schedule:${input.scheduleId}:${input.jobId}`,
        requestFingerprint: null,
        symbols: input.symbols,
        timeframes: input.timeframes,
        startDate: range.start,
        endDate: range.end,
        adjusted: input.adjusted,
        concurrency: input.concurrency,
        unitsTotal: input.symbols.length * input.timeframes.length,
        scheduleId: input.scheduleId,
        // Within the range, only what the ledger does not hold as final is fetched.
        reprocess: 'missing',
        webhookUrl: input.webhook?.url ?? null,
      });
      logger.info({ scheduleId: input.scheduleId, scheduledAt: input.scheduledAt, jobId: job.jobId, range }, 'schedule run: job planned');
      return {
        kind: 'job',
        workflowId: job.workflowId,
        window,
        input: inputForJob(job, config),
      };
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}
