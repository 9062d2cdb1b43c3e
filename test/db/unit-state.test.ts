// SQL state changes of units: `attempts` counts attempts that ran, `attempt_token` fences, and both
// ways of requeueing failed units (a retry inside the workflow, a restart after it closed) are one
// statement that agrees on the job's status.
import { describe, expect, it, inject } from 'vitest';
import { randomUUID } from 'node:crypto';
import { cp, mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestDatabase, type TestDatabase } from '../helpers/env.js';
import { databaseUrl, dropDatabase, uniqueDatabaseName, withAdmin } from '../helpers/databases.js';
import { initJob } from '../../src/db/init-job.js';
import { claimUnit, completeUnit, noteUnitError } from '../../src/db/unit-attempt.js';
import { cancelJobUnits, markUnitFailed, requeueUnits } from '../../src/db/unit-status.js';
import { loadRetryState } from '../../src/db/retry-state.js';
import { setJobStatus, type WritableJobStatus } from '../../src/db/job-status.js';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate.js';

async function newJob(db: TestDatabase, symbols = ['AAA', 'BBB']): Promise<string> {
  const jobId = randomUUID();
  await initJob(db.pool, {
    jobId,
    workflowId: `backfill-${jobId}`,
    symbols,
    timeframes: ['1d'],
    canonical: [{ timeframe: '1d', multiplier: 1, timespan: 'day' }],
    startDate: '2024-01-02',
    endDate: '2024-01-05',
    adjusted: true,
    concurrency: 2,
  });
  return jobId;
}

const unit = async (db: TestDatabase, jobId: string, unitNo: number) =>
  (await db.pool.query<{ status: string; attempts: number; attempt_token: number; error_code: string | null }>(
    'SELECT status, attempts, attempt_token, error_code FROM job_units WHERE job_id = $1 AND unit_no = $2',
    [jobId, unitNo],
  )).rows[0]!;
const jobStatus = async (db: TestDatabase, jobId: string) => (await db.pool.query('SELECT status FROM jobs WHERE job_id = $1', [jobId])).rows[0]!.status as string;

/** A job whose unit 0 ran once and failed for good, and whose unit 1 completed; the job in `status`. */
async function jobWithFailedUnit(db: TestDatabase, status: WritableJobStatus): Promise<string> {
  const jobId = await newJob(db);
  const a = await claimUnit(db.pool, jobId, 0);
  const b = await claimUnit(db.pool, jobId, 1);
  if (a.state !== 'claimed' || b.state !== 'claimed') throw new Error('not claimed');
  await markUnitFailed(db.pool, jobId, 0, 'not_entitled', 'not entitled');
  await completeUnit(db.pool, jobId, 1, b.attemptToken);
  await setJobStatus(db.pool, jobId, status);
  return jobId;
}

describe('unit attempts and requeue', () => {
  const db = useTestDatabase('unitstate');

  it('attempts counts the attempts that ran; failing, cancelling and requeueing only move the fence', async () => {
    const jobId = await newJob(db);
    const first = await claimUnit(db.pool, jobId, 0);
    if (first.state !== 'claimed') throw new Error('not claimed');
    expect(await unit(db, jobId, 0)).toMatchObject({ status: 'running', attempts: 1 });
    await markUnitFailed(db.pool, jobId, 0, 'not_entitled', 'no plan');
    const failed = await unit(db, jobId, 0);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, error_code: 'not_entitled' });
    // The failed attempt's token no longer owns the unit, so a straggler cannot complete it.
    expect(failed.attempt_token).toBeGreaterThan(first.attemptToken);
    expect(await completeUnit(db.pool, jobId, 0, first.attemptToken)).toBeNull();

    expect((await requeueUnits(db.pool, jobId, [0])).unitNos).toEqual([0]);
    expect(await unit(db, jobId, 0)).toMatchObject({ status: 'pending', attempts: 1 });
    const second = await claimUnit(db.pool, jobId, 0);
    if (second.state !== 'claimed') throw new Error('not claimed');
    expect(await unit(db, jobId, 0)).toMatchObject({ status: 'running', attempts: 2 });
    await noteUnitError(db.pool, jobId, 0, first.attemptToken, 'internal', 'a straggler');
    expect((await unit(db, jobId, 0)).error_code).toBeNull();
    expect(await completeUnit(db.pool, jobId, 0, second.attemptToken)).not.toBeNull();
    expect(await unit(db, jobId, 0)).toMatchObject({ status: 'completed', attempts: 2 });

    // Unit 1 never ran: cancelled with no attempt counted.
    expect(await cancelJobUnits(db.pool, jobId)).toBe(1);
    expect(await unit(db, jobId, 1)).toMatchObject({ status: 'cancelled', attempts: 0 });
  });

  it.each([
    ['completed_with_errors', 'running'],
    ['failed', 'running'],
    ['paused', 'paused'],
  ] as const)('a job %s with a failed unit is %s after a requeue, whichever way it is requeued', async (before, after) => {
    const inWorkflow = await jobWithFailedUnit(db, before);
    const r = await requeueUnits(db.pool, inWorkflow, [0, 1]);
    expect(r.unitNos).toEqual([0]);
    expect(await jobStatus(db, inWorkflow)).toBe(after);

    const restarted = await jobWithFailedUnit(db, before);
    const s = await loadRetryState(db.pool, restarted, {});
    expect(s.requeued).toEqual([0]);
    expect(s.completed).toBe(1);
    expect(await jobStatus(db, restarted)).toBe(after);
    for (const id of [inWorkflow, restarted]) expect(await unit(db, id, 0)).toMatchObject({ status: 'pending', attempts: 1, error_code: null });
  });

  it('a restart requeues only the failed units its filter names, and nothing when none match', async () => {
    const jobId = await jobWithFailedUnit(db, 'completed_with_errors');
    const none = await loadRetryState(db.pool, jobId, { symbols: ['BBB'] });
    expect(none.requeued).toEqual([]);
    expect(none.failed).toEqual([0]);
    expect(await jobStatus(db, jobId)).toBe('completed_with_errors');
    expect((await loadRetryState(db.pool, jobId, { symbols: ['AAA'], timeframes: ['1d'] })).requeued).toEqual([0]);
  });
});

describe('migration 002 on a database that ran the old code', () => {
  it('keeps every claimed attempt its token: attempt_token starts at the old attempts', async () => {
    const admin = inject('adminDatabaseUrl');
    const name = uniqueDatabaseName(`bf_test_${inject('runId')}`, 'mig002');
    const url = databaseUrl(admin, name);
    const dir = await mkdtemp(join(tmpdir(), 'mig-'));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
    try {
      for (const f of await readdir(dir)) if (f > '002') await unlink(join(dir, f));
      await migrate(url, dir);
      await withAdmin(url, (c) =>
        c.query(`INSERT INTO jobs (job_id, workflow_id, symbols, timeframes, start_date, end_date, adjusted, concurrency, units_total)
                 VALUES ('00000000-0000-4000-8000-000000000002', 'wf', '{A}', '{1d}', '2024-01-02', '2024-01-03', true, 1, 1);
                 INSERT INTO job_units (job_id, unit_no, symbol, timeframe, status, attempts)
                 VALUES ('00000000-0000-4000-8000-000000000002', 0, 'A', '1d', 'running', 3)`),
      );
      expect((await migrate(url)).applied).toContain('002_attempt_token');
      const rows = await withAdmin(url, async (c) => (await c.query('SELECT attempts, attempt_token FROM job_units')).rows);
      expect(rows).toEqual([{ attempts: 3, attempt_token: 3 }]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      await dropDatabase(admin, name);
    }
  });
});
