import { markUnitFailed as markFailedRow, requeueUnits as requeueRows, cancelJobUnits, type FailedUnit, type RequeuedUnits } from '../src/db/unit-status.js';
import { failOpenUnits } from '../src/db/fail-open-units.js';
import type { ActivityDeps } from './deps.js';
import type { FailureCode } from '../workflows/messages.js';

export interface MarkUnitFailedInput {
  jobId: string;
  unitNo: number;
  code: FailureCode;
  message: string;
}

export function createUnitStatusActivities({ pool, logger }: Pick<ActivityDeps, 'pool' | 'logger'>) {
  return {
    /** Records a unit's final failure and reason; returns its stored totals and actual status. */
    async markUnitFailed(input: MarkUnitFailedInput): Promise<FailedUnit> {
      const r = await markFailedRow(pool, input.jobId, input.unitNo, input.code, input.message);
      logger.warn({ jobId: input.jobId, unitNo: input.unitNo, code: input.code, err: input.message, status: r?.status }, 'unit failed');
      return r ?? { status: 'failed', pages: 0, barsFetched: 0, barsInserted: 0, barsUpdated: 0 };
    },

    /** Failed units back to pending (and the job back to running) for a retry. */
    async requeueUnits(input: { jobId: string; unitNos: number[] }): Promise<RequeuedUnits> {
      const r = await requeueRows(pool, input.jobId, input.unitNos);
      logger.info({ jobId: input.jobId, requeued: r.unitNos.length }, 'failed units requeued');
      return r;
    },

    /** A job-wide failure (bad_key): every unit not finished fails with it at once; returns their numbers. */
    async failOpenUnits(input: { jobId: string; code: FailureCode; message: string }): Promise<number[]> {
      const unitNos = await failOpenUnits(pool, input.jobId, input.code, input.message);
      logger.warn({ jobId: input.jobId, code: input.code, unitsFailed: unitNos.length }, 'job failed: every open unit failed at once');
      return unitNos;
    },

    /** Units not finished become cancelled, and the job too. */
    async cancelJob(input: { jobId: string }): Promise<number> {
      const n = await cancelJobUnits(pool, input.jobId);
      logger.info({ jobId: input.jobId, unitsCancelled: n }, 'job cancelled');
      return n;
    },
  };
}
