// Steering a job: retry failed units, pause, resume, cancel. Each goes through the workflow
// (update or cancellation); Postgres is read only to answer 404/409 without a Temporal round trip.
import { createRoute } from '@hono/zod-openapi';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/common';
import { WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { getJob, type JobRow } from '../../db/job-queries.js';
import { countFailedUnits, listUnits } from '../../db/unit-queries.js';
import type { RetryRequest } from '../../../workflows/messages.js';
import { isFinal, isRestartable } from '../job-states.js';
import { reconcileIfEnded } from '../workflow-ended.js';
import type { Services } from '../context.js';
import { badRequest, conflict, fromZodError, notFound } from '../errors.js';
import { readJsonBody } from '../json-body.js';
import { createRouter, errorSpec, openapiSelfValidated } from '../router.js';
import { cancelResponse, controlResponse, jobIdParam, retryResponse, type RequestSchemas, type RetryResponse } from '../schemas.js';

const REF_LIMIT = 1000;

const common = {
  400: errorSpec('job_id is not a UUID'),
  401: errorSpec('Missing or wrong API key'),
  404: errorSpec('No such job'),
  409: errorSpec("The action does not fit the job's state"),
  503: errorSpec('Temporal or the workers are unavailable'),
};

const controlRoute = (action: 'pause' | 'resume') =>
  createRoute({
    method: 'post',
    path: `/api/v1/backfill/{job_id}/${action}`,
    tags: ['control'],
    summary: action === 'pause' ? 'Pause a job: no new units start; running ones finish' : 'Resume a paused job',
    request: { params: jobIdParam },
    responses: {
      200: { description: 'Applied by the workflow: its new state', content: { 'application/json': { schema: controlResponse } } },
      202: { description: 'No worker answered in time: queued as a signal (`queued: true`)', content: { 'application/json': { schema: controlResponse } } },
      ...common,
    },
  });

const cancelRoute = createRoute({
  method: 'post',
  path: '/api/v1/backfill/{job_id}/cancel',
  tags: ['control'],
  summary: 'Cancel a job: running units stop, the job ends `cancelled`',
  description:
    'Also cancels a job that ended with failures while it waits in its retry window (`completed_with_errors` with a ' +
    '`retry_deadline`): the window closes and the job ends `cancelled`. A job whose workflow has closed answers 409.',
  request: { params: jobIdParam },
  responses: { 202: { description: 'Cancellation requested', content: { 'application/json': { schema: cancelResponse } } }, ...common },
});

async function loadJob(svc: Services, jobId: string): Promise<JobRow> {
  const job = await getJob(svc.pool, jobId);
  if (!job) throw notFound(`job ${jobId} not found`);
  return job;
}

/** The 409 for a job with no open workflow, after closing it in Postgres if it still read as running. */
async function noWorkflow(svc: Services, job: JobRow, action: string) {
  const now = await reconcileIfEnded(svc, job);
  svc.status.invalidate(job.jobId);
  return now.status === job.status
    ? conflict(`job ${job.jobId} has no running workflow; it cannot be ${action}`)
    : conflict(`job ${job.jobId} is ${now.status}: ${now.error ?? 'its workflow has ended'}; it cannot be ${action}`);
}

function requireOpen(job: JobRow, action: string) {
  if (isFinal(job.status)) throw conflict(`job ${job.jobId} is ${job.status}; it cannot be ${action}`);
}

export function controlRoutes(svc: Services, schemas: RequestSchemas) {
  const app = createRouter();
  const { workflows } = svc;

  for (const action of ['pause', 'resume'] as const) {
    app.openapi(controlRoute(action), async (c) => {
      const { job_id } = c.req.valid('param');
      const job = await loadJob(svc, job_id);
      requireOpen(job, action === 'pause' ? 'paused' : 'resumed');
      // Looking first tells "no workflow" (409) and "Temporal down" (503) apart from "no worker
      // answered the update", which all end in a timeout otherwise.
      if (!(await workflows.isOpen(job.workflowId))) throw await noWorkflow(svc, job, `${action}d`);
      try {
        const progress = await (action === 'pause' ? workflows.pause(job.workflowId) : workflows.resume(job.workflowId));
        svc.status.invalidate(job_id);
        return c.json({ job_id, status: progress.status, paused: progress.paused, queued: false }, 200);
      } catch (err) {
        if (!(err instanceof WorkflowUpdateRPCTimeoutOrCancelledError)) throw err;
      }
      // No worker now: a signal is stored by Temporal and applied when one picks the job up.
      await (action === 'pause' ? workflows.signalPause(job.workflowId) : workflows.signalResume(job.workflowId));
      c.get('logger').warn({ job_id, action }, 'no worker answered the update; sent the signal instead');
      return c.json({ job_id, status: job.status, paused: action === 'pause', queued: true }, 202);
    });
  }

  app.openapi(cancelRoute, async (c) => {
    const { job_id } = c.req.valid('param');
    const job = await loadJob(svc, job_id);
    // A job that ended with failures may still be open in its retry window: cancelling closes it.
    if (!isRestartable(job.status)) requireOpen(job, 'cancelled');
    // Cancelling a closed workflow succeeds silently, so look first: the user must hear 409.
    if (!(await workflows.isOpen(job.workflowId))) throw await noWorkflow(svc, job, 'cancelled');
    await workflows.cancel(job.workflowId);
    svc.status.invalidate(job_id);
    return c.json({ job_id, status: 'cancelling' as const }, 202);
  });

  openapiSelfValidated(
    app,
    createRoute({
      method: 'post',
      path: '/api/v1/backfill/{job_id}/retry',
      tags: ['control'],
      summary: 'Retry failed units',
      description:
        'Requeues failed units (all, or only those of the given symbols / timeframes). While the workflow is open ' +
        '(running, or waiting JOB_RETRY_WINDOW_SECONDS after finishing with failures) this is the `retryFailed` ' +
        'update (or, when no worker answers within 2 s, the `retryFailedSignal` signal: `queued: true`); once it has ' +
        'closed, a job that ended `completed_with_errors` or `failed` is restarted to retry (`restarted: true`).',
      request: { params: jobIdParam, body: { required: false, content: { 'application/json': { schema: schemas.retryBody } } } },
      responses: { 202: { description: 'Units requeued', content: { 'application/json': { schema: retryResponse } } }, ...common },
    }),
    async (c) => {
      const idCheck = jobIdParam.safeParse({ job_id: c.req.param('job_id') });
      if (!idCheck.success) throw fromZodError(idCheck.error, 'job_id');
      const { job_id } = idCheck.data;
      const body = await readJsonBody(c);
      const parsed = schemas.retryBody.safeParse(body ?? {});
      if (!parsed.success) throw fromZodError(parsed.error);
      const job = await loadJob(svc, job_id);
      const request = checkRetryScope(job, parsed.data);

      let result: RetryResponse | null = null;
      if (await workflows.isOpen(job.workflowId)) {
        try {
          const r = await workflows.retryFailed(job.workflowId, request);
          result = {
            job_id,
            workflow_id: job.workflowId,
            status: 'running',
            requeued: r.requeued,
            units: r.units.map((u) => ({ unit_no: u.unitNo, symbol: u.symbol, timeframe: u.timeframe })),
            restarted: false,
            queued: false,
          };
        } catch (err) {
          if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) result = await queueRetry(svc, job, request);
          // WorkflowNotFoundError: it closed between the look and the update; the restart path below applies.
          else if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
      }
      // A job whose workflow ended outside the product is closed first, so that it restarts like any other.
    if (!result) result = await restart(svc, await reconcileIfEnded(svc, await loadJob(svc, job_id)), request);
      svc.status.invalidate(job_id);
      return c.json(result, 202);
    },
  );

  return app;
}

/** Symbols and timeframes must belong to the job: a typo should be a 400, not "nothing to retry". */
function checkRetryScope(job: JobRow, req: { symbols?: string[]; timeframes?: string[] }): RetryRequest {
  const unknownSymbol = req.symbols?.find((s) => !job.symbols.includes(s));
  if (unknownSymbol !== undefined) throw badRequest('symbols', `symbols: ${unknownSymbol} is not a symbol of job ${job.jobId}`);
  const unknownTf = req.timeframes?.find((t) => !job.timeframes.includes(t));
  if (unknownTf !== undefined) throw badRequest('timeframes', `timeframes: ${unknownTf} is not a timeframe of job ${job.jobId}`);
  return { ...(req.symbols ? { symbols: req.symbols } : {}), ...(req.timeframes ? { timeframes: req.timeframes } : {}) };
}

/** What Postgres says a retry would requeue (at most REF_LIMIT listed). */
async function failedRefs(svc: Services, job: JobRow, request: RetryRequest) {
  const requeued = await countFailedUnits(svc.pool, job.jobId, { symbols: request.symbols, timeframes: request.timeframes });
  const failed = await listUnits(svc.pool, job.jobId, { status: 'failed', limit: REF_LIMIT });
  const units = failed.units
    .filter((u) => (!request.symbols || request.symbols.includes(u.symbol)) && (!request.timeframes || request.timeframes.includes(u.timeframe)))
    .map((u) => ({ unit_no: u.unitNo, symbol: u.symbol, timeframe: u.timeframe }));
  return { requeued, units };
}

/** No worker answered the update: send the signal twin, which a worker applies when it comes. */
async function queueRetry(svc: Services, job: JobRow, request: RetryRequest): Promise<RetryResponse> {
  const { requeued, units } = await failedRefs(svc, job, request);
  if (requeued === 0) throw conflict(`job ${job.jobId} has no failed units${request.symbols || request.timeframes ? ' matching the request' : ''}`);
  await svc.workflows.signalRetryFailed(job.workflowId, request);
  svc.logger.warn({ job_id: job.jobId }, 'no worker answered the retry update; sent the signal instead');
  return { job_id: job.jobId, workflow_id: job.workflowId, status: job.status, requeued, units, restarted: false, queued: true };
}

async function restart(svc: Services, job: JobRow, request: RetryRequest): Promise<RetryResponse> {
  if (!isRestartable(job.status)) {
    throw conflict(
      isFinal(job.status)
        ? `job ${job.jobId} is ${job.status}; only a job that ended with failures can be retried`
        : `job ${job.jobId} has no running workflow to retry`,
    );
  }
  const { requeued, units } = await failedRefs(svc, job, request);
  if (requeued === 0) throw conflict(`job ${job.jobId} has no failed units${request.symbols || request.timeframes ? ' matching the request' : ''}`);
  try {
    await svc.workflows.restartForRetry(job, request);
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) throw conflict(`job ${job.jobId} is already running again; retry through it`);
    throw err;
  }
  return {
    job_id: job.jobId,
    workflow_id: job.workflowId,
    status: 'running',
    requeued,
    units,
    restarted: true,
    queued: false,
  };
}
