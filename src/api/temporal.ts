// How the API drives BackfillWorkflow. Every call carries a deadline: the client's gRPC retries
// would otherwise keep a request hanging for as long as Temporal is down.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import type { Config } from '../config.js';
import type { JobRow } from '../db/job-queries.js';
import { JOB_ID, JOB_STATUS, SYMBOLS_COUNT } from '../temporal/search-attributes.js';
import { inputForJob } from '../temporal/job-input.js';
import { BackfillWorkflow } from '../../workflows/backfill.js';
import {
  pauseSignal,
  pauseUpdate,
  progressQuery,
  resumeSignal,
  resumeUpdate,
  retryFailedSignal,
  retryFailedUpdate,
  workflowIdForJob,
  type Progress,
  type RetryRequest,
  type RetryResult,
} from '../../workflows/messages.js';

export interface TemporalTimeouts {
  /** Start, update, cancel, describe: long enough for a loaded server, short enough for a client. */
  callMs: number;
  /** The progress query runs on a worker; past this the status answers from Postgres instead. */
  queryMs: number;
  /**
   * Updates run on a worker too; past this the action is sent as the equivalent signal instead,
   * which Temporal stores at once and a worker applies when it picks the job up.
   */
  updateMs: number;
}

export const DEFAULT_TEMPORAL_TIMEOUTS: TemporalTimeouts = { callMs: 5_000, queryMs: 1_200, updateMs: 2_000 };

function searchAttributes(job: JobRow) {
  return [
    { key: JOB_ID, value: job.jobId },
    { key: SYMBOLS_COUNT, value: job.symbols.length },
    // The workflow upserts the status as it changes; a started workflow is running.
    { key: JOB_STATUS, value: 'running' },
  ];
}

/** What Temporal says of a job's workflow: running, closed (with its Temporal status), or unknown to it. */
export type RunState = { state: 'open' } | { state: 'closed'; status: string } | { state: 'gone' };

export interface Workflows {
  /**
   * Starts the job's workflow, or finds it already started. USE_EXISTING makes a repeated start
   * (an idempotent POST replay, a retry after a crash between insert and start) harmless while it
   * runs; REJECT_DUPLICATE stops a replay from running a finished job a second time.
   */
  ensureStarted(job: JobRow): Promise<void>;
  /**
   * A new run of a closed job that requeues its failed units (the workflow's loadRetryState does
   * the requeue in Postgres). Throws WorkflowExecutionAlreadyStartedError when a run is open.
   */
  restartForRetry(job: JobRow, retry: RetryRequest): Promise<void>;
  /** True when the workflow has an open run; false when closed or never started. */
  isOpen(workflowId: string): Promise<boolean>;
  /** Describes the latest run (no worker involved, unlike a query). */
  runState(workflowId: string): Promise<RunState>;
  /**
   * The updates throw WorkflowUpdateRPCTimeoutOrCancelledError when no worker answers within
   * `updateMs`; the signals are their fire-and-forget twins for that case.
   */
  pause(workflowId: string): Promise<Progress>;
  resume(workflowId: string): Promise<Progress>;
  retryFailed(workflowId: string, retry: RetryRequest): Promise<RetryResult>;
  signalPause(workflowId: string): Promise<void>;
  signalResume(workflowId: string): Promise<void>;
  signalRetryFailed(workflowId: string, retry: RetryRequest): Promise<void>;
  cancel(workflowId: string): Promise<void>;
  /** The live progress, or null when no worker answers in time (or the workflow is gone). */
  progress(jobId: string): Promise<Progress | null>;
}

export function createWorkflows(client: Client, config: Config, timeouts: TemporalTimeouts): Workflows {
  const call = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + timeouts.callMs, fn);
  const update = <T>(fn: () => Promise<T>) => client.withDeadline(Date.now() + timeouts.updateMs, fn);
  const handle = (workflowId: string) => client.workflow.getHandle(workflowId);

  async function runState(workflowId: string): Promise<RunState> {
    try {
      const d = await call(() => handle(workflowId).describe());
      return d.status.name === 'RUNNING' ? { state: 'open' } : { state: 'closed', status: d.status.name };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return { state: 'gone' };
      throw err;
    }
  }

  return {
    async ensureStarted(job) {
      try {
        await call(() =>
          client.workflow.start(BackfillWorkflow, {
            workflowId: job.workflowId,
            taskQueue: config.TEMPORAL_TASK_QUEUE,
            args: [inputForJob(job, config)],
            typedSearchAttributes: searchAttributes(job),
            workflowIdConflictPolicy: 'USE_EXISTING',
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
          }),
        );
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return;
        throw err;
      }
    },

    async restartForRetry(job, retry) {
      await call(() =>
        client.workflow.start(BackfillWorkflow, {
          workflowId: job.workflowId,
          taskQueue: config.TEMPORAL_TASK_QUEUE,
          args: [inputForJob(job, config, retry)],
          typedSearchAttributes: searchAttributes(job),
          workflowIdConflictPolicy: 'FAIL',
          workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        }),
      );
    },

    isOpen: async (workflowId) => (await runState(workflowId)).state === 'open',
    runState,

    pause: (workflowId) => update(() => handle(workflowId).executeUpdate(pauseUpdate)),
    resume: (workflowId) => update(() => handle(workflowId).executeUpdate(resumeUpdate)),
    retryFailed: (workflowId, retry) => update(() => handle(workflowId).executeUpdate(retryFailedUpdate, { args: [retry] })),
    signalPause: (workflowId) => call(() => handle(workflowId).signal(pauseSignal)),
    signalResume: (workflowId) => call(() => handle(workflowId).signal(resumeSignal)),
    signalRetryFailed: (workflowId, retry) => call(() => handle(workflowId).signal(retryFailedSignal, retry)),
    async cancel(workflowId) {
      await call(() => handle(workflowId).cancel());
    },

    async progress(jobId) {
      try {
        return await client.withDeadline(Date.now() + timeouts.queryMs, () => handle(workflowIdForJob(jobId)).query(progressQuery));
      } catch {
        return null;
      }
    },
  };
}
