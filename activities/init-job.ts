import { Context } from '@temporalio/activity';
import { parseTimeframe } from '../src/polygon/index.js';
import { initJob as initJobRows } from '../src/db/init-job.js';
import { type ActivityDeps, type UnitSettings, unitSettings } from './deps.js';
import { toActivityFailure } from './failures.js';
import { workflowIdForJob, type JobSpec } from '../workflows/messages.js';

export type InitJobInput = JobSpec;

export interface InitJobOutput {
  unitsTotal: number;
  startedAt: string;
  settings: UnitSettings;
}

export function createInitJob({ pool, config, logger }: Pick<ActivityDeps, 'pool' | 'config' | 'logger'>) {
  /** Creates (idempotently) the job row, its series and its units, and marks the job running. */
  return async function initJob(input: InitJobInput): Promise<InitJobOutput> {
    try {
      const canonical = input.timeframes.map((label) => {
        const tf = parseTimeframe(label);
        return { timeframe: tf.label, multiplier: tf.multiplier, timespan: tf.timespan };
      });
      const r = await initJobRows(pool, { ...input, workflowId: Context.current().info.workflowExecution?.workflowId ?? workflowIdForJob(input.jobId), canonical });
      logger.info({ jobId: input.jobId, unitsTotal: r.unitsTotal }, 'job initialised');
      return { unitsTotal: r.unitsTotal, startedAt: r.startedAt, settings: unitSettings(config) };
    } catch (err) {
      throw toActivityFailure(err);
    }
  };
}
