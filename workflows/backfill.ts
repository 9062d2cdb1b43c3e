import { ApplicationFailure, continueAsNew, isCancellation, setHandler } from '@temporalio/workflow';
import * as messages from './messages.js';
import type { BackfillInput, Progress } from './messages.js';
import { BackfillJob } from './job.js';
import { inputProblems } from './units.js';

/**
 * One backfill job: creates its units in Postgres, runs them through a sliding window of
 * `concurrency` activities, records failures without stopping, and closes with `completed`,
 * `completed_with_errors`, `failed` or `cancelled`. Long jobs continue-as-new, carrying only a
 * cursor, counters and bounded lists (see JobState).
 *
 * Retrying after the job closed: the API starts this workflow again with the same workflow id,
 * the same input and `retry` set; the new run reloads the job from Postgres and runs only the
 * failed units the request selects.
 */
export async function BackfillWorkflow(input: BackfillInput): Promise<Progress> {
  const problems = inputProblems(input);
  if (problems.length > 0) throw ApplicationFailure.nonRetryable(`invalid job input: ${problems.join('; ')}`, 'bad_request');
  const job = new BackfillJob(input);

  setHandler(messages.progressQuery, () => job.progress());
  setHandler(messages.retryFailedUpdate, (req) => job.retryFailed(req), { validator: (req) => job.validateRetry(req) });
  setHandler(messages.retryFailedSignal, (req) => job.retryFailedSignal(req));
  setHandler(messages.pauseUpdate, () => job.pause(), { validator: () => job.validatePause() });
  setHandler(messages.resumeUpdate, () => job.resume(), { validator: () => job.validateResume() });
  setHandler(messages.pauseSignal, () => job.pauseSignal());
  setHandler(messages.resumeSignal, () => job.resumeSignal());

  try {
    if (input.carry) job.resumeCarried();
    else {
      if (!(await job.init())) return job.progress();
      await job.markStarted();
    }
    for (;;) {
      if ((await job.runUnits()) === 'continue') break;
      if (!(await job.settle())) continue;
      const outcome = job.publishOutcome();
      if (outcome.write) {
        await outcome.write;
        await job.announce();
      }
      if (!outcome.waitForRetries) return await closed(job);
      const waited = await job.waitForRetries();
      if (waited === 'continue') break;
      if (waited === 'closed') return await closed(job);
      await job.reopenForRetry();
    }
    return await continueAsNew<typeof BackfillWorkflow>(await job.nextRunInput());
  } catch (err) {
    if (isCancellation(err)) await job.cancel();
    throw err;
  }
}

async function closed(job: BackfillJob): Promise<Progress> {
  await job.statusWritten();
  job.logFinished();
  return job.progress();
}
