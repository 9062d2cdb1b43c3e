// Schedules from the CLI (`node bin/backfill.mjs schedule ...` as real processes) and from the
// dashboard's schedules page in Chromium, against the real stack (API over HTTP, worker, Temporal,
// Postgres, simulator). The page lists the schedule with its next run, shows the job its "Run now"
// started, and pauses it; the CLI creates, shows, unpauses, backfills, refuses a bad spec, deletes.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { ScheduleView } from '../../src/api/schedule-schemas.js';
import { isFinalJobStatus } from '../../workflows/vocabulary.js';
import { launchChromium } from '../dashboard/browser.js';
import { startStack, type Stack } from '../dashboard/stack.js';
import { cliRunner, type CliRunner } from '../cli/run-cli.js';
import { waitFor } from '../helpers/wait.js';

const ARTIFACTS = fileURLToPath(new URL('../../.artifacts', import.meta.url));

let stack: Stack;
let cli: CliRunner;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const id = `ui-${randomBytes(3).toString('hex')}`;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack({ label: 'sched-ui' }), launchChromium()]);
  cli = cliRunner(stack.url);
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.on('pageerror', (e) => pageErrors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const show = async () => (await (await fetch(`${stack.url}/api/v1/schedules/${id}`)).json()) as ScheduleView;
const jobs = async () =>
  (await stack.db.pool.query<{ job_id: string; status: string; start_date: string; end_date: string }>(
    `SELECT job_id, status, start_date::text, end_date::text FROM jobs WHERE schedule_id = $1 ORDER BY created_at`, [id])).rows;

describe('schedules from the CLI and the dashboard', () => {
  it('CLI: create refuses a bad spec naming it, then creates; list and show print it', async () => {
    const bad = await cli.run(['schedule', 'create', id, '--symbols', 'AAPL', '--spec', '0 25 * * *']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/spec.*hour/);
    const created = await cli.run(['schedule', 'create', id, '--symbols', 'AAPL,MSFT', '--spec', '0 3 1 1 *', '--lookback', '2']);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`Created ${id}`);
    expect(created.stdout).toMatch(/lookback 2 sessions; overlap buffer_one/);
    const list = await cli.run(['schedule', 'list']);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+active\\s+0 3 1 1 \\* America/New_York\\s+AAPL,MSFT`));
    const json = JSON.parse((await cli.run(['schedule', 'show', id, '--json'])).stdout) as ScheduleView;
    expect(json).toMatchObject({ id, symbols: ['AAPL', 'MSFT'], lookback_sessions: 2, paused: false });
    expect((await cli.run(['schedule', 'pause', id, '--start', 'x'])).code).toBe(1);
  });

  it('dashboard: lists it with its next run, "Run now" shows the run\'s job, Pause pauses it', async () => {
    await page.goto(`${stack.url}/#/schedules`);
    const row = page.locator(`tr[data-schedule="${id}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('[data-role="next"]').textContent()).toMatch(/Jan 1, 20\d\d/);
    expect(await row.locator('[data-role="runs"]').textContent()).toContain('no runs yet');
    await row.locator('button[data-action="trigger"]').click();
    const [job] = await waitFor('the triggered run to insert a job', async () => {
      const r = await jobs();
      return r.length ? r : null;
    });
    await row.locator(`[data-role="runs"] a[data-job="${job!.job_id}"]`).waitFor({ timeout: 15_000 });
    await waitFor('the job to end', async () => isFinalJobStatus((await jobs())[0]!.status));
    await row.locator('button[data-action="pause"]').click();
    await page.locator(`tr[data-schedule="${id}"][data-paused="true"]`).waitFor({ timeout: 10_000 });
    expect((await show()).paused).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/schedules.png` });
    // The run's job link opens its job page.
    await row.locator(`[data-role="runs"] a[data-job="${job!.job_id}"]`).click();
    await page.waitForSelector(`#j-id`, { state: 'visible' });
    expect(page.url()).toContain(`#/jobs/${job!.job_id}`);
    expect(pageErrors).toEqual([]);
  });

  it('CLI: unpause, trigger, backfill a past evening, delete', async () => {
    const un = await cli.run(['schedule', 'unpause', id]);
    expect([un.code, un.stdout]).toEqual([0, expect.stringContaining(`schedule ${id} unpaused`)]);
    expect((await show()).paused).toBe(false);
    expect((await cli.run(['schedule', 'trigger', id])).stdout).toContain('triggered');
    const bf = await cli.run(['schedule', 'backfill', id, '--start', '2024-07-09T00:00:00Z', '--end', '2024-07-09T12:00:00Z']);
    expect(bf.code, bf.stderr).toBe(0);
    // The 03:00 January spec has no time in that range: nothing is run for it.
    const json = JSON.parse((await cli.run(['schedule', 'show', id, '--json'])).stdout) as ScheduleView;
    expect(json.runs.length).toBeGreaterThanOrEqual(1);
    const del = await cli.run(['schedule', 'delete', id]);
    expect([del.code, del.stdout]).toEqual([0, expect.stringContaining('Deleted')]);
    const gone = await cli.run(['schedule', 'show', id]);
    expect([gone.code, gone.stderr]).toEqual([1, expect.stringMatching(/not found/)]);
  });
});
