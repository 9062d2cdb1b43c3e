// Issue 14's schedule "done when", through the real stack: a worker, the Temporal dev server and
// the real Temporal CLI, Postgres, the simulator, and the API app. A schedule created over REST is
// listed by `temporal schedule list`; `temporal schedule trigger` starts a job over only the
// sessions still missing or not final; a pause from the CLI reads as paused in the API; a schedule
// backfill over three past evenings runs three jobs, each over its own evening's window. Bad input
// is a 400 naming the field and creates nothing in Temporal or Postgres.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ScheduleNotFoundError } from '@temporalio/client';
import { createApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { CalendarSet } from '../../src/calendar/index.js';
import { lookbackSessions } from '../../src/schedules/range.js';
import type { ScheduleView } from '../../src/api/schedule-schemas.js';
import type { BackfillStarted, ErrorResponse, JobStatusResponse } from '../../src/api/schemas.js';
import { temporalScheduleId } from '../../workflows/schedule-messages.js';
import { isFinalJobStatus } from '../../workflows/vocabulary.js';
import { temporalAddress } from '../helpers/env.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';
import { useWorkflowStack } from '../helpers/workflow-stack.js';
// @ts-expect-error plain ESM helper shared with npm scripts, no type declarations
import { ensureTemporalCli } from '../../scripts/temporal-cli.mjs';

function temporalCli(...args: string[]): string {
  return execFileSync(ensureTemporalCli() as string, [...args, '--address', temporalAddress()], { encoding: 'utf8' });
}

interface JobRowLite {
  job_id: string;
  status: string;
  start_date: string;
  end_date: string;
}

describe('schedules end to end (REST, Temporal CLI, worker)', () => {
  // Final from the extended close on (COVERAGE_SETTLE_MINUTES=0): what the runs fetch does not
  // depend on the hour the test runs at (the default settles at 11:00 New York the next day).
  // 1,000 base bars a request: about one minute-bar request per session, so skipping a held
  // session saves a request and the planner skips it (with one request for the whole range it
  // would fetch the range whole, which costs no more).
  const stack = useWorkflowStack('sched-e2e', { worker: { configOverrides: { COVERAGE_SETTLE_MINUTES: '0', POLYGON_PAGE_LIMIT: '1000' } } });
  const tag = randomBytes(3).toString('hex');
  let app: ReturnType<typeof createApp> | undefined;
  const api = () => {
    app ??= createApp({
      config: loadConfig({
        DATABASE_URL: stack.db.url, TEMPORAL_ADDRESS: temporalAddress(), TEMPORAL_TASK_QUEUE: stack.taskQueue, LOG_LEVEL: 'warn',
        // The test's webhook receiver listens on loopback, which production refuses.
        WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      }),
      pool: stack.db.pool,
      temporal: stack.client,
      // Two cores shared with other test files: the default 5 s deadline can pass under load.
      temporalTimeouts: { callMs: 20_000 },
      logger: createLogger(loadConfig({ LOG_LEVEL: 'warn' }), { destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    });
    return app;
  };
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await api().request(path, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, json: res.status === 204 ? null : ((await res.json()) as unknown) };
  };
  const jobsOf = async (id: string) =>
    (await stack.db.pool.query<JobRowLite>(`SELECT job_id, status, start_date::text, end_date::text FROM jobs WHERE schedule_id = $1 ORDER BY created_at`, [id])).rows;
  const noSchedule = async (id: string) => {
    await expect(stack.client.schedule.getHandle(temporalScheduleId(id)).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  };
  const jobDone = (jobId: string) =>
    waitFor(`job ${jobId} final`, async () => {
      const s = (await call('GET', `/api/v1/backfill/status/${jobId}`)).json as JobStatusResponse;
      return isFinalJobStatus(s.status) ? s : null;
    }, 60_000, 250);
  // Fires only on 1 January at 03:00: nothing runs unless the test asks.
  const QUIET = '0 3 1 1 *';

  it('refuses bad input with a 400 naming the field and creates nothing', async () => {
    const base = { name: `bad-${tag}`, symbols: ['AAPL'], spec: QUIET };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ spec: '61 18 * * 1-5' }, 'spec', /minute/],
      [{ spec: 'every evening' }, 'spec', /5 fields/],
      [{ time_zone: 'Mars/Olympus_Mons' }, 'time_zone', /time zone/],
      [{ lookback_sessions: 0 }, 'lookback_sessions', /at least 1/],
      [{ lookback_sessions: 10_000 }, 'lookback_sessions', /at most/],
      [{ name: 'Has Spaces' }, 'name', /lower-case/],
      [{ webhook: { url: 'ftp://example.com/x' } }, 'webhook', /http and https/],
    ];
    for (const [patch, field, message] of cases) {
      const r = await call('POST', '/api/v1/schedules', { ...base, ...patch });
      expect(r.status, JSON.stringify(patch)).toBe(400);
      const err = (r.json as ErrorResponse).error;
      expect([err.field, err.message]).toEqual([field, expect.stringMatching(message)]);
    }
    await noSchedule(base.name);

    const first = await call('POST', '/api/v1/schedules', { ...base, name: `dup-${tag}` });
    expect(first.status).toBe(201);
    const again = await call('POST', '/api/v1/schedules', { ...base, name: `dup-${tag}`, symbols: ['MSFT'] });
    expect(again.status).toBe(400);
    expect((again.json as ErrorResponse).error).toMatchObject({ field: 'name', message: expect.stringMatching(/already exists/) });
    // The first one is untouched by the refused second.
    expect(((await call('GET', `/api/v1/schedules/dup-${tag}`)).json as ScheduleView).symbols).toEqual(['AAPL']);
    expect((await stack.db.pool.query('SELECT count(*)::int AS n FROM jobs')).rows[0].n).toBe(0);
    expect((await call('DELETE', `/api/v1/schedules/dup-${tag}`)).status).toBe(204);
    expect((await call('GET', `/api/v1/schedules/dup-${tag}`)).status).toBe(404);
  });

  it('created over REST: listed by the CLI; a CLI trigger fetches only the sessions not yet final; a CLI pause reads as paused', async () => {
    const id = `topup-${tag}`;
    const cal = new CalendarSet().forTicker('AAPL');
    // The five sessions completed by now. Ordinary jobs first fetch the 1st and the 3rd: the run
    // must fetch from the 2nd to the 5th, and within that skip the 3rd (held final by the ledger).
    const sessions = lookbackSessions(cal, Date.now(), 5).map((s) => s.date);
    for (const day of [sessions[0], sessions[2]]) {
      const seed = await call('POST', '/api/v1/backfill', { symbols: ['AAPL', 'MSFT'], timeframes: ['1m'], start_date: day, end_date: day });
      expect(seed.status).toBe(202);
      expect((await jobDone((seed.json as BackfillStarted).job_id)).status).toBe('completed');
    }

    const created = await call('POST', '/api/v1/schedules', { name: id, symbols: ['AAPL', 'MSFT'], timeframes: ['1m'], spec: QUIET, lookback_sessions: 5 });
    expect(created.status).toBe(201);
    const view = created.json as ScheduleView;
    expect(view).toMatchObject({
      id, temporal_schedule_id: `backfill-schedule-${id}`, managed: true, paused: false, symbols: ['AAPL', 'MSFT'],
      spec: QUIET, time_zone: 'America/New_York', lookback_sessions: 5, overlap: 'buffer_one', runs: [],
    });
    expect(view.next_runs.length).toBeGreaterThan(0);
    expect(new Date(view.next_runs[0]!).toISOString()).toMatch(/-01-01T08:00:00/); // 03:00 New York in winter

    // Temporal's own CLI sees it (listing is eventually consistent: poll).
    await waitFor('temporal schedule list to show it', () => temporalCli('schedule', 'list').includes(`backfill-schedule-${id}`), 20_000, 500);
    const described = JSON.parse(temporalCli('schedule', 'describe', '--schedule-id', `backfill-schedule-${id}`, '-o', 'json')) as Record<string, unknown>;
    expect(JSON.stringify(described)).toContain('TopUpWorkflow');

    temporalCli('schedule', 'trigger', '--schedule-id', `backfill-schedule-${id}`);
    const [job] = await waitFor('the triggered run to insert its job', async () => {
      const rows = await jobsOf(id);
      return rows.length ? rows : null;
    });
    // From the oldest session not final to the last completed one; the held 3rd session skipped.
    expect([job!.start_date, job!.end_date]).toEqual([sessions[1], sessions[4]]);
    const done = await jobDone(job!.job_id);
    expect(done).toMatchObject({ status: 'completed', reprocess: 'missing', sessions_skipped: 2 });
    expect(done.requests_saved).toBeGreaterThanOrEqual(2);
    const shown = (await call('GET', `/api/v1/schedules/${id}`)).json as ScheduleView;
    expect(shown.runs.map((r) => [r.job_id, r.start_date, r.end_date, r.status])).toEqual([[job!.job_id, sessions[1], sessions[4], 'completed']]);
    expect(shown.recent_actions).toHaveLength(1);
    expect(((await call('GET', '/api/v1/schedules')).json as { schedules: ScheduleView[] }).schedules.map((s) => s.id)).toContain(id);

    // A second trigger: every session of the window is now final, so the run starts no job.
    const before = (await jobsOf(id)).length;
    const trig = await call('POST', `/api/v1/schedules/${id}/trigger`);
    expect(trig.status).toBe(200);
    await waitFor('the second run to finish', async () => ((await call('GET', `/api/v1/schedules/${id}`)).json as ScheduleView).recent_actions.length === 2);
    const runs = await stack.client.workflow.list({ query: `BackfillScheduleId = "${id}" AND WorkflowType = "TopUpWorkflow"` });
    const handles: string[] = [];
    for await (const w of runs) handles.push(w.workflowId);
    await waitFor('both runs closed', async () => {
      const results = await Promise.all(handles.map((h) => stack.client.workflow.getHandle(h).describe()));
      return handles.length === 2 && results.every((d) => d.status.name === 'COMPLETED');
    });
    expect((await jobsOf(id)).length).toBe(before);

    temporalCli('schedule', 'toggle', '--schedule-id', `backfill-schedule-${id}`, '--pause', '--reason', 'maintenance window');
    const paused = (await call('GET', `/api/v1/schedules/${id}`)).json as ScheduleView;
    expect([paused.paused, paused.note]).toEqual([true, 'maintenance window']);
    const unpaused = await call('POST', `/api/v1/schedules/${id}/unpause`, {});
    expect((unpaused.json as { schedule: ScheduleView }).schedule.paused).toBe(false);
    expect(((await call('POST', `/api/v1/schedules/${id}/pause`, { note: 'by api' })).json as { schedule: ScheduleView }).schedule).toMatchObject({ paused: true, note: 'by api' });
    expect(temporalCli('schedule', 'describe', '--schedule-id', `backfill-schedule-${id}`)).toMatch(/Paused\s+true/);

    // PATCH changes what later runs fetch; Temporal keeps the rest.
    const patched = await call('PATCH', `/api/v1/schedules/${id}`, { symbols: ['NVDA'], spec: 'after_close', lookback_sessions: 2 });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({ symbols: ['NVDA'], spec: 'after_close', lookback_sessions: 2, paused: true, timeframes: ['1m'] });
    expect((await call('PATCH', `/api/v1/schedules/${id}`, { spec: '* * *' })).status).toBe(400);
  });

  it('a schedule made with `temporal schedule create` is listed and shown by the API; DELETE removes it from Temporal', async () => {
    const id = `cli-made-${tag}`;
    const input = { scheduleId: id, symbols: ['NVDA'], timeframes: ['1d'], adjusted: true, lookbackSessions: 3, concurrency: 2 };
    temporalCli(
      'schedule', 'create', '--schedule-id', `backfill-schedule-${id}`, '--type', 'TopUpWorkflow', '--task-queue', stack.taskQueue,
      '--workflow-id', `backfill-schedule-${id}-run`, '--cron', '15 21 * * 1-5', '--time-zone', 'America/New_York', '--input', JSON.stringify(input),
    );
    const shown = await call('GET', `/api/v1/schedules/${id}`);
    expect(shown.status).toBe(200);
    const v = shown.json as ScheduleView;
    expect(v).toMatchObject({ id, managed: true, symbols: ['NVDA'], lookback_sessions: 3, concurrency: 2, time_zone: 'America/New_York', paused: false, webhook: null });
    // Temporal keeps the compiled calendar only: the API shows it as such (21:15, Monday to Friday).
    expect(v.spec).toMatch(/"hour":\[\{"start":21/);
    expect(new Date(v.next_runs[0]!).getUTCMinutes()).toBe(15);
    const listed = await waitFor('the API list to show it', async () =>
      ((await call('GET', '/api/v1/schedules')).json as { schedules: ScheduleView[] }).schedules.find((s) => s.id === id));
    expect(listed.symbols).toEqual(['NVDA']);
    expect((await call('DELETE', `/api/v1/schedules/${id}`)).status).toBe(204);
    await noSchedule(id);
    expect((await call('DELETE', `/api/v1/schedules/${id}`)).status).toBe(404);
  });

  it('a schedule backfill over three past evenings runs three jobs, each over its own window', async () => {
    const id = `evenings-${tag}`;
    const created = await call('POST', '/api/v1/schedules', { name: id, symbols: ['AAPL'], timeframes: ['1d'], spec: 'after_close', lookback_sessions: 3, paused: true });
    expect(created.status).toBe(201);
    // 20:30 New York on Monday 8, Tuesday 9 and Wednesday 10 July 2024 (00:30 UTC the next day).
    const r = await call('POST', `/api/v1/schedules/${id}/backfill`, { start: '2024-07-08T12:00:00Z', end: '2024-07-11T12:00:00Z' });
    expect(r.status).toBe(200);
    const jobs = await waitFor('three jobs', async () => {
      const rows = await jobsOf(id);
      return rows.length === 3 && rows.every((j) => isFinalJobStatus(j.status)) ? rows : null;
    }, 90_000, 250);
    // The first looks back over 3 sessions (07-03, 07-05, 07-08: the 4th was a holiday) and finds
    // none fetched; each later one finds the earlier sessions final and fetches only its evening.
    expect(jobs.map((j) => [j.start_date, j.end_date, j.status])).toEqual([
      ['2024-07-03', '2024-07-08', 'completed'],
      ['2024-07-09', '2024-07-09', 'completed'],
      ['2024-07-10', '2024-07-10', 'completed'],
    ]);
    // Every run's job is an ordinary BackfillWorkflow child, started with the job's id and workflow id.
    const child = await stack.client.workflow.getHandle(`backfill-${jobs[1]!.job_id}`).describe();
    expect([child.type, child.status.name, child.searchAttributes.BackfillScheduleId]).toEqual(['BackfillWorkflow', 'COMPLETED', [id]]);
    const bad = await call('POST', `/api/v1/schedules/${id}/backfill`, { start: '2024-07-11T12:00:00Z', end: '2024-07-08T12:00:00Z' });
    expect([bad.status, (bad.json as ErrorResponse).error.field]).toEqual([400, 'end']);
    expect((await call('POST', `/api/v1/schedules/nope-${tag}/trigger`)).status).toBe(404);
  });

  it("a schedule's webhook: its secret shown once at creation; each run's job is announced to it, signed", async () => {
    const receiver = await startWebhookReceiver('/hooks/backfill');
    const url = receiver.url;
    try {
      const id = `hooked-${tag}`;
      const created = await call('POST', '/api/v1/schedules', { name: id, symbols: ['AAPL'], spec: 'after_close', lookback_sessions: 1, paused: true, webhook: { url } });
      // The endpoint's secret is generated for it and shown in this answer only.
      const view = created.json as ScheduleView;
      expect([created.status, view.webhook]).toEqual([201, { url, secret_source: 'generated', secret: expect.stringMatching(/^whsec_/) }]);
      receiver.secret = view.webhook!.secret!;
      // Never again: not in the schedule's view.
      expect(JSON.stringify((await call('GET', `/api/v1/schedules/${id}`)).json)).not.toContain(receiver.secret!);
      expect((await call('POST', `/api/v1/schedules/${id}/backfill`, { start: '2024-07-15T12:00:00Z', end: '2024-07-16T12:00:00Z' })).status).toBe(200);
      const [job] = await waitFor('the run to insert its job', async () => {
        const rows = await jobsOf(id);
        return rows.length ? rows : null;
      });
      expect([job!.start_date, job!.end_date]).toEqual(['2024-07-15', '2024-07-15']);
      // The row is inserted by the run's plan activity, just before the run starts the job's workflow.
      const history = await waitFor("the job's workflow", () => stack.client.workflow.getHandle(`backfill-${job!.job_id}`).fetchHistory());
      const payload = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads![0]!;
      const input = Buffer.from(payload.data!).toString('utf8');
      expect(JSON.parse(input)).toMatchObject({ jobId: job!.job_id, webhook: { url }, startDate: '2024-07-15' });
      expect(input).not.toContain(receiver.secret!);
      const events = await waitFor('one verified event for the job', () => (receiver.accepted.size ? [...receiver.accepted.values()] : null), 30_000);
      expect(events.map((e) => e.type)).toEqual(['backfill.completed']);
      expect(JSON.stringify(events[0]!.data)).toContain(job!.job_id);
      // PATCH with null removes it from later runs.
      expect(((await call('PATCH', `/api/v1/schedules/${id}`, { webhook: null })).json as ScheduleView).webhook).toBeNull();
    } finally {
      await receiver.close();
    }
  });
});
