// Schedules: Temporal Schedules (backfill-schedule-<id>) whose runs top up a universe. Temporal
// is the truth for the schedule (spec, paused, next times); Postgres for what its runs did (jobs
// with schedule_id). Every input is checked before the one write (to Temporal), so a bad request
// creates nothing anywhere.
import { createRoute, type z } from '@hono/zod-openapi';
import { ScheduleAlreadyRunning, ScheduleNotFoundError, isGrpcServiceError, type ScheduleDescription } from '@temporalio/client';
import { recentScheduleRuns, type ScheduleRunRow } from '../../db/schedule-runs.js';
import { createSchedules } from '../../schedules/temporal.js';
import { DEFAULT_TIME_ZONE, specLabel, toScheduleSpec } from '../../schedules/spec.js';
import { scheduleIdOf, temporalScheduleId, type TopUpInput } from '../../../workflows/schedule-messages.js';
import type { Services } from '../context.js';
import { badRequest, fromZodError, notFound } from '../errors.js';
import { parseJsonBody } from '../json-body.js';
import { createRouter, errorSpec, openapiSelfValidated } from '../router.js';
import {
  SCHEDULE_RUNS_SHOWN,
  scheduleAction,
  scheduleBackfillBody,
  scheduleIdParam,
  scheduleList,
  scheduleNoteBody,
  scheduleView,
  type ScheduleSchemas,
  type ScheduleView,
} from '../schedule-schemas.js';
import { DEFAULT_TEMPORAL_TIMEOUTS } from '../temporal.js';
import { registerEndpoint } from '../../webhooks/secrets.js';

const common = {
  401: errorSpec('Missing or wrong API key'),
  404: errorSpec('No such schedule'),
  503: errorSpec('Temporal or Postgres unavailable'),
};
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

function idOf(c: { req: { param(k: string): string | undefined } }): string {
  const r = scheduleIdParam.safeParse({ id: c.req.param('id') });
  if (!r.success) throw fromZodError(r.error, 'path');
  return r.data.id;
}

/** The server refused the spec (a cron line our check let through, say): still the request's fault. */
function invalidArgument(err: unknown): string | null {
  const e = isGrpcServiceError(err) ? err : isGrpcServiceError((err as { cause?: unknown })?.cause) ? (err as { cause: { code: number; details: string } }).cause : null;
  return e && e.code === 3 ? (e.details ?? 'invalid argument') : null;
}

export function scheduleRoutes(svc: Services, schemas: ScheduleSchemas, temporalCallMs = DEFAULT_TEMPORAL_TIMEOUTS.callMs) {
  const app = createRouter();
  const schedules = createSchedules(svc.temporal, svc.config, temporalCallMs);
  const ui = svc.config.TEMPORAL_UI_URL.replace(/\/+$/, '');
  const scheduleUrl = (tid: string) => `${ui}/namespaces/${encodeURIComponent(svc.config.TEMPORAL_NAMESPACE)}/schedules/${encodeURIComponent(tid)}`;

  function view(d: ScheduleDescription, runs: ScheduleRunRow[]): ScheduleView {
    const id = scheduleIdOf(d.scheduleId) ?? d.scheduleId;
    const arg = (d.action.args?.[0] ?? null) as Partial<TopUpInput> | null;
    const managed = d.action.workflowType === 'TopUpWorkflow' && !!arg && Array.isArray(arg.symbols) && Array.isArray(arg.timeframes);
    const iso = (t: Date) => t.toISOString();
    return {
      id,
      name: typeof d.memo?.name === 'string' ? d.memo.name : id,
      temporal_schedule_id: d.scheduleId,
      temporal_ui_url: scheduleUrl(d.scheduleId),
      managed,
      symbols: managed ? arg.symbols! : [],
      timeframes: managed ? arg.timeframes! : [],
      adjusted: arg?.adjusted ?? true,
      spec: arg?.specText?.spec ?? JSON.stringify({ calendars: d.spec.calendars ?? [], intervals: d.spec.intervals ?? [] }),
      time_zone: d.spec.timezone ?? arg?.specText?.timeZone ?? 'UTC',
      lookback_sessions: arg?.lookbackSessions ?? 0,
      concurrency: arg?.concurrency ?? 0,
      catchup_window_seconds: Math.round(d.policies.catchupWindow / 1000),
      overlap: String(d.policies.overlap).toLowerCase(),
      webhook: arg?.webhook?.url ? { url: arg.webhook.url } : null,
      paused: d.state.paused,
      note: d.state.note ?? null,
      next_runs: d.info.nextActionTimes.map(iso),
      recent_actions: d.info.recentActions.map((a) => ({ scheduled_at: iso(a.scheduledAt), taken_at: iso(a.takenAt), workflow_id: a.action.workflow.workflowId })),
      runs: runs.map((r) => ({
        job_id: r.jobId,
        status: r.status,
        start_date: r.startDate,
        end_date: r.endDate,
        created_at: iso(r.createdAt),
        completed_at: r.completedAt ? iso(r.completedAt) : null,
        status_url: svc.links.statusUrl(r.jobId),
      })),
      created_at: d.info.createdAt ? iso(d.info.createdAt) : null,
    };
  }

  async function load(id: string): Promise<ScheduleView> {
    const d = await schedules.describe(id);
    if (!d) throw notFound(`schedule ${id} not found (no Temporal Schedule ${temporalScheduleId(id)})`);
    return view(d, await recentScheduleRuns(svc.pool, [id], SCHEDULE_RUNS_SHOWN));
  }

  /**
   * After the schedule names an endpoint: its secret, generated for it if no job or schedule named
   * it before (shown in this answer only), or how it is signed otherwise.
   */
  async function withRegistration(v: ScheduleView, url: string | undefined): Promise<ScheduleView> {
    if (!url || !v.webhook) return v;
    const reg = await registerEndpoint(svc.pool, svc.config, url, svc.logger);
    return { ...v, webhook: { ...v.webhook, secret_source: reg.source, secret: reg.secret } };
  }

  /** Runs an action on a schedule, 404 when Temporal does not know it. */
  async function act(id: string, fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) throw notFound(`schedule ${id} not found (no Temporal Schedule ${temporalScheduleId(id)})`);
      throw err;
    }
  }

  openapiSelfValidated(
    app,
    createRoute({
      method: 'post',
      path: '/api/v1/schedules',
      tags: ['schedules'],
      summary: 'Create a schedule (a Temporal Schedule whose runs top up the symbols)',
      description:
        'Each run computes, from its scheduled time, the range from the oldest missing or non-final session within ' +
        '`lookback_sessions` to the last completed session, and runs it as an ordinary job (with `schedule_id`). ' +
        'Overlap: skip while a run is going, buffer one.',
      request: { body: { required: true, content: { 'application/json': { schema: schemas.scheduleCreate } } } },
      responses: {
        201: json(scheduleView, 'Created in Temporal'),
        400: errorSpec('Invalid request (bad cron, unknown time zone, a name that exists, lookback out of range); `field` names it. Nothing was created.'),
        ...common,
      },
    }),
    async (c) => {
      const p = await parseJsonBody(c, schemas.scheduleCreate);
      const input: TopUpInput = {
        scheduleId: p.name,
        symbols: p.symbols,
        timeframes: p.timeframes,
        adjusted: p.adjusted,
        lookbackSessions: p.lookback_sessions,
        concurrency: p.concurrency,
        specText: { spec: specLabel(p.spec), timeZone: p.time_zone },
        ...(p.webhook ? { webhook: { url: p.webhook.url } } : {}),
      };
      try {
        await schedules.create({ id: p.name, input, spec: toScheduleSpec(p.spec, p.time_zone), catchupWindowSeconds: p.catchup_window_seconds, paused: p.paused });
      } catch (err) {
        if (err instanceof ScheduleAlreadyRunning) throw badRequest('name', `name: a schedule named '${p.name}' already exists`);
        const refused = invalidArgument(err);
        if (refused) throw badRequest('spec', `spec: Temporal refused the schedule: ${refused}`);
        throw err;
      }
      c.get('logger').info({ schedule_id: p.name }, 'schedule created');
      return c.json(await withRegistration(await load(p.name), p.webhook?.url), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/schedules',
      tags: ['schedules'],
      summary: 'Every schedule (backfill-schedule-* in Temporal), with next runs and its latest jobs',
      responses: { 200: json(scheduleList, 'Schedules by id'), 401: common[401], 503: common[503] },
    }),
    async (c) => {
      const described = await schedules.list();
      const ids = described.map((d) => scheduleIdOf(d.scheduleId)!);
      const runs = await recentScheduleRuns(svc.pool, ids, SCHEDULE_RUNS_SHOWN);
      return c.json({ schedules: described.map((d, i) => view(d, runs.filter((r) => r.scheduleId === ids[i]))) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/api/v1/schedules/{id}',
      tags: ['schedules'],
      summary: 'One schedule: its spec and state (from Temporal), next runs, recent runs and their jobs',
      request: { params: scheduleIdParam },
      responses: { 200: json(scheduleView, 'The schedule'), 400: errorSpec('id is not a schedule id'), ...common },
    }),
    async (c) => c.json(await load(c.req.valid('param').id), 200),
  );

  openapiSelfValidated(
    app,
    createRoute({
      method: 'patch',
      path: '/api/v1/schedules/{id}',
      tags: ['schedules'],
      summary: 'Change a schedule (any field but the name); later runs use it',
      request: { params: scheduleIdParam, body: { required: true, content: { 'application/json': { schema: schemas.schedulePatch } } } },
      responses: { 200: json(scheduleView, 'The changed schedule'), 400: errorSpec('Invalid field; nothing was changed'), ...common },
    }),
    async (c) => {
      const id = idOf(c);
      const p = await parseJsonBody(c, schemas.schedulePatch);
      await act(id, () =>
        schedules.update(id, (d) => {
          const prev = (d.action.args?.[0] ?? {}) as Partial<TopUpInput>;
          if (d.action.workflowType !== 'TopUpWorkflow' || !Array.isArray(prev.symbols)) {
            throw badRequest('id', `schedule ${id} was not made by this API (its action is not TopUpWorkflow); change it in Temporal`);
          }
          const timeZone = p.time_zone ?? d.spec.timezone ?? prev.specText?.timeZone ?? DEFAULT_TIME_ZONE;
          const specChanged = p.spec !== undefined || p.time_zone !== undefined;
          if (p.time_zone !== undefined && p.spec === undefined && !prev.specText) {
            throw badRequest('spec', 'spec: send the spec with time_zone (this schedule\'s spec was not made by this API)');
          }
          const specText = p.spec !== undefined ? specLabel(p.spec) : prev.specText?.spec;
          const { webhook: _old, ...rest } = prev as TopUpInput;
          const input: TopUpInput = {
            ...rest,
            scheduleId: id,
            ...(p.symbols ? { symbols: p.symbols } : {}),
            ...(p.timeframes ? { timeframes: p.timeframes } : {}),
            ...(p.adjusted !== undefined ? { adjusted: p.adjusted } : {}),
            ...(p.lookback_sessions !== undefined ? { lookbackSessions: p.lookback_sessions } : {}),
            ...(p.concurrency !== undefined ? { concurrency: p.concurrency } : {}),
            ...(specText !== undefined ? { specText: { spec: specText, timeZone } } : {}),
            ...(p.webhook === null ? {} : p.webhook ? { webhook: { url: p.webhook.url } } : prev.webhook ? { webhook: prev.webhook } : {}),
          };
          const spec = specChanged ? toScheduleSpec(p.spec ?? prev.specText!.spec, timeZone) : undefined;
          return { input, ...(spec ? { spec } : {}), ...(p.catchup_window_seconds !== undefined ? { catchupWindowSeconds: p.catchup_window_seconds } : {}) };
        }),
      ).catch((err: unknown) => {
        const refused = invalidArgument(err);
        if (refused) throw badRequest('spec', `spec: Temporal refused the change: ${refused}`);
        throw err;
      });
      c.get('logger').info({ schedule_id: id, fields: Object.keys(p) }, 'schedule changed');
      return c.json(await withRegistration(await load(id), p.webhook?.url), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/api/v1/schedules/{id}',
      tags: ['schedules'],
      summary: 'Delete a schedule; its jobs (running or not) stay',
      request: { params: scheduleIdParam },
      responses: { 204: { description: 'Deleted from Temporal' }, 400: errorSpec('id is not a schedule id'), ...common },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await act(id, () => schedules.delete(id));
      c.get('logger').info({ schedule_id: id }, 'schedule deleted');
      return c.body(null, 204);
    },
  );

  const actionRoute = (action: 'pause' | 'unpause' | 'trigger' | 'backfill', summary: string, withBody: 'note' | 'range' | null) =>
    createRoute({
      method: 'post',
      path: `/api/v1/schedules/{id}/${action}`,
      tags: ['schedules'],
      summary,
      request: {
        params: scheduleIdParam,
        ...(withBody ? { body: { required: withBody === 'range', content: { 'application/json': { schema: withBody === 'range' ? scheduleBackfillBody : scheduleNoteBody } } } } : {}),
      },
      responses: { 200: json(scheduleAction, 'Done in Temporal; the schedule as it now is'), 400: errorSpec('Invalid id or body'), ...common },
    });

  const simple = (action: 'pause' | 'unpause' | 'trigger', summary: string, run: (id: string, note: string) => Promise<void>, message: (id: string) => string) =>
    openapiSelfValidated(app, actionRoute(action, summary, action === 'trigger' ? null : 'note'), async (c) => {
      const id = idOf(c);
      const note = action === 'trigger' ? '' : ((await parseJsonBody(c, scheduleNoteBody, true)).note ?? `${action}d through the API`);
      await act(id, () => run(id, note));
      c.get('logger').info({ schedule_id: id }, `schedule ${action}`);
      return c.json({ id, action, message: message(id), schedule: await load(id) }, 200);
    });

  simple('pause', 'Pause: no scheduled run starts until unpaused (a running job goes on)', (id, note) => schedules.pause(id, note), (id) => `schedule ${id} paused`);
  simple('unpause', 'Unpause', (id, note) => schedules.unpause(id, note), (id) => `schedule ${id} unpaused`);
  simple(
    'trigger',
    'Run now (as if scheduled now; buffered when a run is going)',
    (id) => schedules.trigger(id),
    (id) => `schedule ${id} triggered; its run computes the range from now`,
  );

  openapiSelfValidated(app, actionRoute('backfill', "Temporal's schedule backfill: one run per scheduled time in [start, end), each over its own past window (overlap BUFFER_ALL)", 'range'), async (c) => {
    const id = idOf(c);
    const p = await parseJsonBody(c, scheduleBackfillBody);
    await act(id, () => schedules.backfill(id, new Date(p.start), new Date(p.end)));
    c.get('logger').info({ schedule_id: id, start: p.start, end: p.end }, 'schedule backfill');
    return c.json({ id, action: 'backfill', message: `schedule ${id}: runs for every scheduled time from ${p.start} to ${p.end} requested`, schedule: await load(id) }, 200);
  });

  return app;
}

