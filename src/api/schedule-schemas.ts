// Request and response shapes of the schedule routes (/api/v1/schedules...).
import { z } from '@hono/zod-openapi';
import { JOB_STATUSES } from '../../workflows/vocabulary.js';
import { DEFAULT_TIME_ZONE, SCHEDULE_PRESETS, cronProblem, isPreset, isTimeZone } from '../schedules/spec.js';
import { concurrencyOf, symbolsOf, timeframesOf, type RequestLimits } from './schemas.js';
import { webhookTargetOf } from './webhook-schemas.js';

export const LOOKBACK_MIN = 1;
/** About a year of XNYS sessions: a top-up, not a history load (use POST /api/v1/backfill for that). */
export const LOOKBACK_MAX = 260;
export const LOOKBACK_DEFAULT = 5;
export const CATCHUP_MIN_SECONDS = 60;
export const CATCHUP_MAX_SECONDS = 30 * 86_400;
export const CATCHUP_DEFAULT_SECONDS = 86_400;
/** Past runs a schedule backfill may cover at most in one call. */
export const BACKFILL_MAX_DAYS = 366;
export const SCHEDULE_RUNS_SHOWN = 10;

const expected = (what: string) => ({
  error: (iss: { input?: unknown }) => (iss.input === undefined ? 'is required' : `must be ${what}`),
});

export const SCHEDULE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const name = z
  .string(expected('a string'))
  .regex(SCHEDULE_NAME, 'must be 1-63 lower-case letters, digits, - or _, starting with a letter or digit (it is the schedule id)')
  .openapi({ example: 'us-close', description: 'Unique; also the id: the Temporal Schedule is backfill-schedule-<name>' });

const calendarField = z.union([z.literal('*'), z.number().int(), z.array(z.number().int()).min(1)], expected('*, an integer or a list of integers'));
const calendar = z
  .strictObject(
    {
      second: calendarField.optional(),
      minute: calendarField.optional(),
      hour: calendarField.optional(),
      day_of_month: calendarField.optional(),
      month: calendarField.optional(),
      day_of_week: calendarField.optional(),
    },
    expected('a calendar object'),
  )
  .superRefine((c, ctx) => {
    const bounds = { second: [0, 59], minute: [0, 59], hour: [0, 23], day_of_month: [1, 31], month: [1, 12], day_of_week: [0, 6] } as const;
    for (const [k, [lo, hi]] of Object.entries(bounds)) {
      const v = c[k as keyof typeof c];
      if (v === undefined || v === '*') continue;
      for (const n of Array.isArray(v) ? v : [v]) {
        if (n < lo || n > hi) ctx.addIssue({ code: 'custom', path: [k], message: `${n} is out of range (${lo}-${hi})` });
      }
    }
  });

const spec = z
  .union([z.string().trim(), z.strictObject({ calendar })], expected('a cron expression, a preset name or {calendar: {...}}'))
  .superRefine((s, ctx) => {
    if (typeof s !== 'string' || isPreset(s)) return;
    const problem = cronProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; or a preset: ${Object.keys(SCHEDULE_PRESETS).join(', ')}` });
  })
  .openapi({
    description: `A five-field cron expression ("0 18 * * 1-5"), a preset (${Object.entries(SCHEDULE_PRESETS).map(([k, v]) => `${k} = "${v}"`).join(', ')}), or a Temporal calendar spec {calendar: {hour, minute, day_of_week, ...}}, read in time_zone`,
    example: 'after_close',
  });

const timeZone = z
  .string(expected('an IANA time zone name'))
  .refine(isTimeZone, { error: (iss) => `'${String(iss.input).slice(0, 64)}' is not a known IANA time zone (for example America/New_York)` })
  .openapi({ example: DEFAULT_TIME_ZONE });

const lookback = z
  .number(expected('an integer'))
  .int('must be an integer')
  .min(LOOKBACK_MIN, `must be at least ${LOOKBACK_MIN}`)
  .max(LOOKBACK_MAX, `must be at most ${LOOKBACK_MAX}`)
  .openapi({ description: 'Completed sessions a run looks back over for missing or non-final sessions' });

const catchup = z
  .number(expected('an integer'))
  .int('must be an integer')
  .min(CATCHUP_MIN_SECONDS, `must be at least ${CATCHUP_MIN_SECONDS}`)
  .max(CATCHUP_MAX_SECONDS, `must be at most ${CATCHUP_MAX_SECONDS}`)
  .openapi({ description: 'After an outage, runs missed by at most this long are still taken' });


export function createScheduleSchemas(limits: RequestLimits) {
  const fields = {
    symbols: symbolsOf(limits),
    timeframes: timeframesOf(limits),
    adjusted: z.boolean(expected('true or false')),
    spec,
    time_zone: timeZone,
    lookback_sessions: lookback,
    catchup_window_seconds: catchup,
    concurrency: concurrencyOf(limits),
    // The same rules as a job's webhook (http(s), no credentials, no private address unless allowed).
    webhook: webhookTargetOf(limits.allowPrivateWebhooks ?? false).openapi({ description: "Told when each run's job ends (see the webhooks section)" }),
  };
  const scheduleCreate = z
    .strictObject(
      {
        name,
        ...fields,
        timeframes: fields.timeframes.default(['1d']),
        adjusted: fields.adjusted.default(true),
        time_zone: fields.time_zone.default(DEFAULT_TIME_ZONE),
        lookback_sessions: fields.lookback_sessions.default(LOOKBACK_DEFAULT),
        catchup_window_seconds: fields.catchup_window_seconds.default(CATCHUP_DEFAULT_SECONDS),
        concurrency: fields.concurrency.default(limits.defaultConcurrency),
        webhook: fields.webhook.optional(),
        paused: z.boolean(expected('true or false')).default(false),
      },
      expected('a JSON object'),
    )
    .openapi('ScheduleRequest');
  const schedulePatch = z
    .strictObject(
      {
        symbols: fields.symbols.optional(),
        timeframes: fields.timeframes.optional(),
        adjusted: fields.adjusted.optional(),
        spec: fields.spec.optional(),
        time_zone: fields.time_zone.optional(),
        lookback_sessions: fields.lookback_sessions.optional(),
        catchup_window_seconds: fields.catchup_window_seconds.optional(),
        concurrency: fields.concurrency.optional(),
        webhook: fields.webhook.nullable().optional(),
      },
      expected('a JSON object'),
    )
    .openapi('SchedulePatch');
  return { scheduleCreate, schedulePatch };
}
export type ScheduleSchemas = ReturnType<typeof createScheduleSchemas>;
export type ScheduleCreateParams = z.output<ScheduleSchemas['scheduleCreate']>;
export type ScheduleCreateRequest = z.input<ScheduleSchemas['scheduleCreate']>;
export type SchedulePatchParams = z.output<ScheduleSchemas['schedulePatch']>;

const instant = z
  .string(expected('an ISO 8601 date-time'))
  .refine((s) => /^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time such as 2024-03-04T00:00:00Z')
  .openapi({ example: '2024-03-04T00:00:00Z' });

export const scheduleBackfillBody = z
  .strictObject({ start: instant, end: instant }, expected('a JSON object {start, end}'))
  .superRefine((v, ctx) => {
    const [a, b] = [Date.parse(v.start), Date.parse(v.end)];
    if (b <= a) ctx.addIssue({ code: 'custom', path: ['end'], message: `${v.end} is not after start ${v.start}` });
    else if (b - a > BACKFILL_MAX_DAYS * 86_400_000) ctx.addIssue({ code: 'custom', path: ['end'], message: `the range spans more than ${BACKFILL_MAX_DAYS} days` });
  })
  .openapi('ScheduleBackfillRequest');

export const scheduleNoteBody = z
  .strictObject({ note: z.string(expected('a string')).max(500, 'must be at most 500 characters').optional() }, expected('a JSON object'))
  .openapi('ScheduleNote');

export const scheduleIdParam = z.object({
  id: z
    .string()
    .regex(SCHEDULE_NAME, 'must be a schedule id (its name)')
    .openapi({ param: { name: 'id', in: 'path' }, example: 'us-close' }),
});

const scheduleRun = z
  .object({
    job_id: z.string(),
    status: z.enum(JOB_STATUSES),
    start_date: z.string(),
    end_date: z.string(),
    created_at: z.string(),
    completed_at: z.string().nullable(),
    status_url: z.string(),
  })
  .openapi('ScheduleRun');

export const scheduleView = z
  .object({
    id: z.string(),
    name: z.string(),
    temporal_schedule_id: z.string(),
    temporal_ui_url: z.string(),
    managed: z.boolean().openapi({ description: 'False when the Temporal Schedule does not run TopUpWorkflow with an input this API understands' }),
    symbols: z.array(z.string()),
    timeframes: z.array(z.string()),
    adjusted: z.boolean(),
    spec: z.string().openapi({ description: 'As given at creation or last PATCH; for a schedule made elsewhere, Temporal\'s calendar as JSON' }),
    time_zone: z.string(),
    lookback_sessions: z.number().int(),
    concurrency: z.number().int(),
    catchup_window_seconds: z.number().int(),
    overlap: z.string().openapi({ description: 'Temporal overlap policy of scheduled runs (buffer_one: skip while a run goes, buffer one)' }),
    webhook: z
      .object({
        url: z.string(),
        secret_source: z.enum(['config', 'generated', 'existing']).optional().openapi({ description: 'Only in the answer to the create or PATCH that named the endpoint (see WebhookRegistration)' }),
        secret: z.string().nullable().optional().openapi({ description: 'The generated whsec_ secret, in the one answer that created the endpoint' }),
      })
      .nullable(),
    paused: z.boolean(),
    note: z.string().nullable(),
    next_runs: z.array(z.string()).openapi({ description: 'The next scheduled times (ISO 8601)' }),
    recent_actions: z.array(z.object({ scheduled_at: z.string(), taken_at: z.string(), workflow_id: z.string() })),
    runs: z.array(scheduleRun).openapi({ description: `The latest ${SCHEDULE_RUNS_SHOWN} jobs its runs started (from Postgres), newest first` }),
    created_at: z.string().nullable(),
  })
  .openapi('Schedule');
export type ScheduleView = z.infer<typeof scheduleView>;

export const scheduleList = z.object({ schedules: z.array(scheduleView) }).openapi('ScheduleList');
export const scheduleAction = z
  .object({ id: z.string(), action: z.string(), message: z.string(), schedule: scheduleView })
  .openapi('ScheduleActionResult');
