import { Context } from '@temporalio/activity';
import { parseTimeframe } from '../src/polygon/index.js';
import { initJob as initJobRows } from '../src/db/init-job.js';
import { type ActivityDeps, type UnitSettings, unitSettings } from './deps.js';
import { toActivityFailure } from './failures.js';
import { workflowIdForJob, type JobSpec } from '../workflows/messages.js';
import { CalendarSet } from '../src/calendar/index.js';
import type { TradingCalendar } from '../src/calendar/calendar.js';
import { sessionSettles } from '../src/coverage/settle.js';
import { dayToDate, parseDateToDay } from '../src/polygon/time.js';

/** The XNYS sessions of the range as dates, with their settle instants (when a fetch of each is final). */
function groupedSessions(cal: TradingCalendar, startDate: string, endDate: string, settleMinutes: number | null): { dates: string[]; settleMs: number[] } {
  const { days, settleMs } = sessionSettles(cal, parseDateToDay(startDate)!, parseDateToDay(endDate)!, settleMinutes);
  return { dates: days.map(dayToDate), settleMs };
}

export type InitJobInput = JobSpec;

export interface InitJobOutput {
  unitsTotal: number;
  startedAt: string;
  settings: UnitSettings;
  /** A grouped job's session days (XNYS sessions of the range): the workflow runs one activity each. */
  groupedDays?: number;
}

export function createInitJob({ pool, config, logger }: Pick<ActivityDeps, 'pool' | 'config' | 'logger'>) {
  const xnys = new CalendarSet().get('XNYS');
  /** Creates (idempotently) the job row, its series and its units, and marks the job running. */
  return async function initJob(input: InitJobInput): Promise<InitJobOutput> {
    try {
      const canonical = input.timeframes.map((label) => {
        const tf = parseTimeframe(label);
        return { timeframe: tf.label, multiplier: tf.multiplier, timespan: tf.timespan };
      });
      // Grouped daily is the US-stocks endpoint: its days are the XNYS sessions of the range.
      // With reprocess "missing" the days held final for every symbol are left out here, in the
      // activity, so the workflow only ever sees the count (deterministic, and replays unchanged).
      const grouped = input.strategy === 'grouped' ? groupedSessions(xnys, input.startDate, input.endDate, config.COVERAGE_SETTLE_MINUTES ?? null) : undefined;
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? workflowIdForJob(input.jobId);
      const r = await initJobRows(pool, { ...input, workflowId, canonical, ...(grouped ? { groupedDays: grouped.dates, groupedSettleMs: grouped.settleMs } : {}) });
      logger.info({ jobId: input.jobId, unitsTotal: r.unitsTotal, groupedDays: r.groupedDays, groupedSessions: grouped?.dates.length }, 'job initialised');
      return { unitsTotal: r.unitsTotal, startedAt: r.startedAt, settings: unitSettings(config), ...(r.groupedDays !== undefined ? { groupedDays: r.groupedDays } : {}) };
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}
