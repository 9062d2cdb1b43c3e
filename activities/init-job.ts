import { Context } from '@temporalio/activity';
import { parseTimeframe } from '../src/polygon/index.js';
import { initJob as initJobRows } from '../src/db/init-job.js';
import { type ActivityDeps, type UnitSettings, unitSettings } from './deps.js';
import { toActivityFailure } from './failures.js';
import { workflowIdForJob, type JobSpec } from '../workflows/messages.js';
import { CalendarSet } from '../src/calendar/index.js';

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
      const days = input.strategy === 'grouped' ? xnys.sessionsBetween(input.startDate, input.endDate).map((s) => s.date) : undefined;
      const workflowId = Context.current().info.workflowExecution?.workflowId ?? workflowIdForJob(input.jobId);
      const r = await initJobRows(pool, { ...input, workflowId, canonical, ...(days ? { groupedDays: days } : {}) });
      logger.info({ jobId: input.jobId, unitsTotal: r.unitsTotal, groupedDays: days?.length }, 'job initialised');
      return { unitsTotal: r.unitsTotal, startedAt: r.startedAt, settings: unitSettings(config), ...(days ? { groupedDays: days.length } : {}) };
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}
