// POST /api/v1/backfill: validate, insert the jobs row, start the workflow.
import { createHash, randomUUID } from 'node:crypto';
import { createRoute, z } from '@hono/zod-openapi';
import { insertJob } from '../../db/insert-job.js';
import { failUnstartedJob } from '../../db/fail-unstarted-job.js';
import type { JobRow } from '../../db/job-queries.js';
import { workflowIdForJob } from '../../../workflows/messages.js';
import type { Services } from '../context.js';
import { ApiError, badRequest, fromTemporalError, fromZodError } from '../errors.js';
import { queryParams, readJsonBody } from '../json-body.js';
import { createRouter, errorSpec, openapiSelfValidated } from '../router.js';
import { backfillStarted, type BackfillParams, type BackfillStarted, type RequestSchemas } from '../schemas.js';
import { dateRangeOf } from '../presenters.js';
import { estimateOfPlan, roughDuration, type JobEstimate } from '../estimate.js';
import { CalendarSet } from '../../calendar/index.js';
import { planBackfill, type Plan } from '../../planner/plan.js';
import { StrategyError } from '../../planner/strategy.js';
import { heldLookup } from '../held.js';
import { recentThroughput } from '../../db/recent-throughput.js';
import { backfillPlan, planJson } from '../plan-schema.js';
import { registerEndpoint } from '../../webhooks/secrets.js';
import { forgetWebhookEndpoint } from '../../db/webhook-endpoint-forget.js';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

const backfillHeaders = z.object({
  'Idempotency-Key': z.string().optional().openapi({ description: 'Any unique string, up to 200 visible ASCII characters' }),
});


export function backfillRoutes(svc: Services, schemas: RequestSchemas) {
  const app = createRouter();
  const calendars = new CalendarSet();

  openapiSelfValidated(
    app,
    createRoute({
      method: 'post',
      path: '/api/v1/backfill',
      tags: ['backfill'],
      summary: 'Start a backfill job',
      description:
        'Starts one durable workflow for symbols x timeframes over a date range. The legacy query-string form ' +
        '(`?symbols=AAPL&symbols=MSFT&start_date=...&end_date=...&timeframes=1h`, or comma lists) is accepted when ' +
        'there is no JSON body. An `Idempotency-Key` header makes a retried POST return the same job. ' +
        'With `dry_run: true` (or `?dry_run=true`) it answers 200 with the plan and starts nothing, writes nothing.',
      request: {
        headers: backfillHeaders,
        body: { required: false, content: { 'application/json': { schema: schemas.backfillBody } } },
        query: schemas.backfillQueryFields.partial(),
      },
      responses: {
        200: { description: 'Dry run: the plan (per unit and in total); nothing was started or written', content: { 'application/json': { schema: backfillPlan } } },
        202: { description: 'Job accepted (also for an idempotent replay)', content: { 'application/json': { schema: backfillStarted } } },
        400: errorSpec('Invalid request; `field` names the culprit'),
        401: errorSpec('Missing or wrong API key'),
        413: errorSpec('Body larger than API_MAX_BODY_BYTES'),
        415: errorSpec('Body is not JSON'),
        422: errorSpec('Idempotency-Key reused with a different request, or the estimate exceeds JOB_MAX_ESTIMATED_HOURS (send `"force": true`, or `force=true` in the query form)'),
        503: errorSpec('Temporal unavailable: the job was not started'),
      },
    }),
    async (c) => {
      const params = await parseRequest(await readJsonBody(c), queryParams(c), schemas);
      const key = c.req.header('idempotency-key');
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        throw badRequest('Idempotency-Key', 'Idempotency-Key: must be 1-200 visible ASCII characters');
      }
      // One plan, over what the coverage ledger holds now (reprocess "missing"): the dry run shows it,
      // the estimate and the JOB_MAX_ESTIMATED_HOURS check use it, the units then plan the same way.
      // It also resolves `strategy: auto`; the job row and the workflow input carry the result.
      const limit = svc.config.POLYGON_PAGE_LIMIT;
      const held = await heldLookup(svc.pool, calendars, params, svc.config.COVERAGE_SETTLE_MINUTES ?? null);
      const plan = planOf(() => planBackfill({ ...params, limit, rpm: svc.config.POLYGON_RATE_LIMIT_RPM }, calendars, held));
      if (params.dry_run) return c.json(planJson(params, plan, limit, await recentThroughput(svc.pool)), 200);
      const estimate = estimateOfPlan(plan);
      refuseLongJob(svc, params, estimate);
      const jobId = randomUUID();
      const fingerprint = fingerprintOf(params);
      const { inserted, job } = await insertJob(svc.pool, {
        jobId,
        workflowId: workflowIdForJob(jobId),
        idempotencyKey: key ?? null,
        requestFingerprint: fingerprint,
        symbols: params.symbols,
        timeframes: params.timeframes,
        startDate: params.start_date,
        endDate: params.end_date,
        adjusted: params.adjusted,
        concurrency: params.concurrency,
        unitsTotal: params.symbols.length * params.timeframes.length,
        validation: params.validation,
        reprocess: params.reprocess,
        webhookUrl: params.webhook?.url ?? null,
        strategy: plan.strategy,
      });
      if (!inserted && job.requestFingerprint !== fingerprint) {
        throw new ApiError(422, 'idempotency_key_reused', 'Idempotency-Key: already used for a different request', 'Idempotency-Key');
      }

      // Before the start (the delivery activity reads the secret), after the job exists: only the
      // request that first names an endpoint sees its generated secret.
      const webhook = job.webhook ? { url: job.webhook.url, ...(await registerEndpoint(svc.pool, svc.config, job.webhook.url, c.get('logger'))) } : undefined;

      // A replay re-issues the start while the job is still pending: the first attempt may have died
      // between the insert and the start. Once the workflow has run, the row has moved on.
      if (inserted || job.status === 'pending') {
        try {
          await svc.workflows.ensureStarted(job);
        } catch (e) {
          const mapped = fromTemporalError(e);
          if (!mapped) throw e;
          c.get('logger').warn({ job_id: job.jobId, err: { name: (e as Error).name, message: (e as Error).message } }, 'workflow start failed');
          // A secret generated for this request is never shown now: the next request gets a new one.
          if (webhook?.source === 'generated') await forgetWebhookEndpoint(svc.pool, webhook.url);
          if (!key) {
            // Without a key nobody can resume this job: close it rather than leave it pending forever.
            await failUnstartedJob(svc.pool, job.jobId, 'Temporal was unavailable; the job was not started');
            throw new ApiError(503, 'temporal_unavailable', `Temporal is unavailable; job ${job.jobId} was not started. Send the request again (with an Idempotency-Key to make retries safe).`);
          }
          throw new ApiError(503, 'temporal_unavailable', `Temporal is unavailable; job ${job.jobId} is saved but not started. Retry with the same Idempotency-Key to start it.`);
        }
      }

      if (!inserted) c.header('Idempotent-Replayed', 'true');
      c.get('logger').info({ job_id: job.jobId, units: job.unitsTotal, replay: !inserted }, inserted ? 'job started' : 'job replayed');
      return c.json({ ...startedJson(svc, job, !inserted, estimate), ...(webhook ? { webhook: { url: webhook.url, secret_source: webhook.source, secret: webhook.secret } } : {}) }, 202);
    },
  );

  return app;
}


/** Body and query string are alternatives: mixing them would leave it unclear which one counts. */
async function parseRequest(body: unknown, query: Record<string, string | string[]>, schemas: RequestSchemas): Promise<BackfillParams> {
  if (body !== undefined) {
    const stray = Object.keys(query)[0];
    if (stray !== undefined) throw badRequest(stray, `${stray}: query parameters cannot be combined with a JSON body`);
    const r = schemas.backfillBody.safeParse(body);
    if (!r.success) throw fromZodError(r.error);
    return r.data;
  }
  const r = schemas.backfillQuery.safeParse(query);
  if (!r.success) throw fromZodError(r.error, 'query');
  return r.data;
}

/** A `strategy: grouped` the job cannot use is the caller's mistake: 400 naming the field. */
function planOf(plan: () => Plan): Plan {
  try {
    return plan();
  } catch (e) {
    if (e instanceof StrategyError) throw badRequest('strategy', e.message);
    throw e;
  }
}

/** Before anything is written: a job past JOB_MAX_ESTIMATED_HOURS needs `force`. */
function refuseLongJob(svc: Services, p: BackfillParams, e: JobEstimate) {
  if (p.force) return;
  const max = svc.config.JOB_MAX_ESTIMATED_HOURS;
  if (e.seconds === null || e.seconds <= max * 3600) return;
  throw new ApiError(
    422,
    'estimate_too_long',
    `force: the job needs an estimated ${e.requests.toLocaleString('en-US')} requests, about ${roughDuration(e.seconds)} at POLYGON_RATE_LIMIT_RPM=${e.rateLimitRpm}, ` +
      `more than JOB_MAX_ESTIMATED_HOURS=${max} h. Narrow it (fewer symbols, timeframes or dates) or send "force": true (force=true in the query string) to start it anyway.`,
    'force',
  );
}

/** Identifies the request's meaning (after normalisation), so `aapl` and `AAPL` replay alike. */
function fingerprintOf(p: BackfillParams): string {
  // `record` is left out so that keys taken before the field existed still match their requests.
  // Likewise `missing` (the default reprocess mode) and `auto`: only a non-default value joins the fingerprint.
  const canonical = JSON.stringify([
    p.symbols, p.timeframes, p.start_date, p.end_date, p.adjusted, p.concurrency,
    ...(p.validation === 'strict' ? ['strict'] : []),
    ...(p.reprocess === 'all' ? ['reprocess:all'] : []),
    ...(p.webhook ? [{ webhook: p.webhook.url }] : []),
    ...(p.strategy !== 'auto' ? [`strategy:${p.strategy}`] : []),
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

function startedJson(svc: Services, job: JobRow, replay: boolean, estimate: JobEstimate): BackfillStarted {
  return {
    job_id: job.jobId,
    status: job.status,
    symbols_count: job.symbols.length,
    symbols: job.symbols,
    date_range: dateRangeOf(job),
    timeframes: job.timeframes,
    adjusted: job.adjusted,
    concurrency: job.concurrency,
    units_total: job.unitsTotal,
    timestamp: svc.now().toISOString(),
    workflow_id: job.workflowId,
    temporal_ui_url: svc.links.workflowUrl(job.workflowId),
    status_url: svc.links.statusUrl(job.jobId),
    idempotent_replay: replay,
    estimate: { requests: estimate.requests, duration_seconds: estimate.seconds, rate_limit_rpm: estimate.rateLimitRpm },
  };
}
