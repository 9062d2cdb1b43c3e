import { ParentClosePolicy, executeChild, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { BackfillActivities } from '../activities/index.js';
import { BackfillWorkflow } from './backfill.js';
import type { TopUpInput, TopUpResult } from './schedule-messages.js';
import { JOB_ID, JOB_STATUS, SCHEDULE_ID, SYMBOLS_COUNT, TEMPORAL_SCHEDULED_START_TIME } from './search-attributes.js';

const { planTopUp } = proxyActivities<BackfillActivities>({
  startToCloseTimeout: '1 minute',
  // A Postgres outage delays the run rather than losing it; bad input cannot get better.
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: ['bad_request'] },
});

/**
 * One run of a schedule (the action of `backfill-schedule-<id>`): computes, from the time the run
 * was scheduled for, the range from the oldest missing or non-final session within the lookback
 * to the last completed session, inserts that job (with its schedule_id), and runs it as the child
 * BackfillWorkflow `backfill-<job id>`, an ordinary job in every other respect. The run stays open
 * while its job runs, so the schedule's overlap policy (skip, buffer one) sees a job in progress.
 */
export async function TopUpWorkflow(input: TopUpInput): Promise<TopUpResult> {
  const info = workflowInfo();
  // Set by Temporal on every scheduled, triggered or backfilled run; a run started by hand (no
  // schedule) counts from its start.
  const scheduledAt = (info.typedSearchAttributes.get(TEMPORAL_SCHEDULED_START_TIME) ?? info.startTime).toISOString();
  const plan = await planTopUp({ ...input, jobId: uuid4(), scheduledAt });
  if (plan.kind === 'up_to_date') return { scheduledAt, jobId: null, window: plan.window, range: null };
  await executeChild(BackfillWorkflow, {
    workflowId: plan.workflowId,
    args: [plan.input],
    typedSearchAttributes: [
      { key: JOB_ID, value: plan.input.jobId },
      { key: SYMBOLS_COUNT, value: plan.input.symbols.length },
      { key: JOB_STATUS, value: 'running' },
      { key: SCHEDULE_ID, value: input.scheduleId },
    ],
    // The job is the user's, not the run's: terminating or resetting the run leaves it going.
    parentClosePolicy: ParentClosePolicy.ABANDON,
  });
  return { scheduledAt, jobId: plan.input.jobId, window: plan.window, range: { start: plan.input.startDate, end: plan.input.endDate } };
}
