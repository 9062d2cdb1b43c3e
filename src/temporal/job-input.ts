// The workflow input of a job, from its jobs row: the API's start and restart and a schedule run's
// planning activity build it the same way, so every start of one job runs exactly the same job.
import type { Config } from '../config.js';
import type { JobRow } from '../db/job-queries.js';
import type { BackfillInput, RetryRequest } from '../../workflows/messages.js';

/** The workflow input, rebuilt from the jobs row so that a restart runs exactly the same job. */
export function inputForJob(job: JobRow, config: Pick<Config, 'JOB_RETRY_WINDOW_SECONDS'>, retry?: RetryRequest): BackfillInput {
  return {
    jobId: job.jobId,
    symbols: job.symbols,
    timeframes: job.timeframes,
    startDate: job.startDate,
    endDate: job.endDate,
    adjusted: job.adjusted,
    concurrency: job.concurrency,
    ...(job.strategy === 'grouped' ? { strategy: job.strategy } : {}),
    retryWindowSeconds: config.JOB_RETRY_WINDOW_SECONDS,
    ...(job.webhook ? { webhook: { url: job.webhook.url } } : {}),
    ...(retry ? { retry } : {}),
  };
}
