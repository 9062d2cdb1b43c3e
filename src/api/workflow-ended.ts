// A job whose workflow ended outside the product (terminated from the Temporal UI or CLI, timed
// out, or lost to retention or a wiped dev server) would otherwise read `running` forever. The
// API notices when Temporal says the run is closed or gone while Postgres says the job runs, and
// closes the job in Postgres (src/db/reconcile-job.ts) so that status, cancel and retry answer
// from the truth: the job is `failed`, and `/retry` restarts it for the units that did not complete.
import { getJob, type JobRow } from '../db/job-queries.js';
import { reconcileJob } from '../db/reconcile-job.js';
import { isFinal } from './job-states.js';
import type { Services } from './context.js';
import type { RunState } from './temporal.js';

/** A job row younger than this may be pending because its start is still on the way to Temporal. */
export const START_GRACE_MS = 60_000;

export type EndedJobDeps = Pick<Services, 'pool' | 'workflows' | 'logger' | 'now'>;

function reasonOf(job: JobRow, run: Exclude<RunState, { state: 'open' }>): string {
  return run.state === 'gone'
    ? `workflow ${job.workflowId} was lost: Temporal no longer knows it (retention, or a wiped server); /retry restarts the job for the units that did not complete`
    : `workflow ${job.workflowId} ended outside the product (Temporal status ${run.status}, e.g. terminated from the Temporal UI or CLI); /retry restarts the job for the units that did not complete`;
}

/**
 * When the job's row is not final but Temporal says its workflow is closed or gone, closes the job
 * and returns the updated row; otherwise the row as it is. Always asks Temporal afresh (never a
 * cached state): another API process may just have restarted the job.
 */
export async function reconcileIfEnded(deps: EndedJobDeps, job: JobRow): Promise<JobRow> {
  if (isFinal(job.status)) return job;
  if (job.status === 'pending' && deps.now().getTime() - job.createdAt.getTime() < START_GRACE_MS) return job;
  const run = await deps.workflows.runState(job.workflowId);
  if (run.state === 'open') return job;
  const reason = reasonOf(job, run);
  const r = await reconcileJob(deps.pool, job.jobId, reason);
  if (r.reconciled) deps.logger.warn({ job_id: job.jobId, workflow: run, units_closed: r.unitsClosed }, 'workflow ended outside the product; job closed as failed');
  return (await getJob(deps.pool, job.jobId)) ?? job;
}
