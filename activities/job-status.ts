import { setJobStatus as setStatusRow, type WritableJobStatus } from '../src/db/job-status.js';
import type { ActivityDeps } from './deps.js';

export function createSetJobStatus({ pool, logger }: Pick<ActivityDeps, 'pool' | 'logger'>) {
  return async function setJobStatus(input: { jobId: string; status: WritableJobStatus; error?: string | null }): Promise<void> {
    await setStatusRow(pool, input.jobId, input.status, input.error ?? null);
    logger.info({ jobId: input.jobId, status: input.status }, 'job status');
  };
}
