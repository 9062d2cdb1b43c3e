// Scenario 5: the API process is SIGKILLed while POSTs (each with its own Idempotency-Key) and
// status GETs are in flight, then restarted; three times. Afterwards every job that was answered
// must answer its status, every POST retried with its key must return the same job (or start the
// one that never got started), each key must have exactly one job and one workflow, and every job
// must complete with exactly the simulator's bars.
import { describe, expect, it } from 'vitest';
import { useScenario } from './harness/use-scenario.js';
import { sleep, waitForJobEnd } from './harness/stack.js';
import { listWorkflowIds } from './harness/temporal.js';

const ROUNDS = 3;
const PER_ROUND = 16;
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'AMD'];

interface Sent {
  key: string;
  body: Record<string, unknown>;
  round: number;
  outcome: { status: number; jobId?: string } | { error: string };
}

describe('scenario 5: API killed with requests in flight, then restarted', () => {
  const s = useScenario('05-api-kill', { sim: { latencyMs: 5 } });

  it('loses no answered job and starts no second job for a retried Idempotency-Key', async () => {
    const { stack, report, rng, db } = s;
    await stack.startWorker('worker');
    await stack.startApi();
    const sent: Sent[] = [];
    const answeredStatus: Array<{ jobId: string; status: number }> = [];
    // Warm the process up (first request compiles routes and connects to Temporal), as in production.
    const warm = await stack.startJob({ symbols: ['AAPL'], timeframes: ['1d'], start_date: '2024-01-02', end_date: '2024-01-12' }, `warm-${s.seed}`);
    sent.push({ key: `warm-${s.seed}`, body: { symbols: ['AAPL'], timeframes: ['1d'], start_date: '2024-01-02', end_date: '2024-01-12' }, round: 0, outcome: { status: 202, jobId: warm.jobId } });

    for (let round = 1; round <= ROUNDS; round++) {
      const known = sent.flatMap((x) => ('status' in x.outcome && x.outcome.jobId ? [x.outcome.jobId] : []));
      const inflight: Array<Promise<void>> = [];
      const t0 = Date.now();
      for (let i = 0; i < PER_ROUND; i++) {
        const key = `r${round}-${i}-${s.seed}`;
        const month = rng.int(1, 6);
        const body = {
          symbols: [rng.pick(SYMBOLS), ...(rng.chance(0.3) ? [rng.pick(SYMBOLS)] : [])],
          timeframes: ['1d'],
          start_date: `2024-0${month}-01`,
          end_date: `2024-0${month}-${rng.int(10, 28)}`,
        };
        const entry: Sent = { key, body, round, outcome: { error: 'pending' } };
        sent.push(entry);
        const delay = rng.int(0, 400);
        inflight.push(
          sleep(delay)
            .then(() => stack.http('POST', '/api/v1/backfill', { body: JSON.stringify(body), headers: { 'idempotency-key': key }, timeoutMs: 10_000 }))
            .then(
              (a) => void (entry.outcome = { status: a.status, jobId: a.body?.job_id ? String(a.body.job_id) : undefined }),
              (e: Error) => void (entry.outcome = { error: `${e.name}: ${(e.cause as Error)?.message ?? e.message}` }),
            ),
        );
      }
      // Status reads in flight too.
      for (const id of known.slice(0, 6)) {
        inflight.push(stack.http('GET', `/api/v1/backfill/status/${id}`, { timeoutMs: 10_000 }).then(() => undefined, () => undefined));
      }
      const killAfter = rng.int(120, 500);
      await sleep(killAfter);
      const pid = stack.api!.pid;
      await stack.api!.kill9();
      await Promise.all(inflight);
      const thisRound = sent.filter((x) => x.round === round);
      const answered = thisRound.filter((x) => 'status' in x.outcome).length;
      report.inject(`round ${round}: ${PER_ROUND} POSTs (unique Idempotency-Keys) + ${Math.min(6, known.length)} status GETs sent over ~400 ms; SIGKILL api pid ${pid} at +${killAfter} ms (${Date.now() - t0} ms round): ${answered} answered, ${PER_ROUND - answered} cut off`);
      for (const x of thisRound) {
        if ('status' in x.outcome && (x.outcome.status < 200 || x.outcome.status >= 300)) {
          report.note(`  ${x.key}: answered ${x.outcome.status} before the kill`);
        }
      }
      await stack.bootApi();
      // Each restarted process is warmed up like the first (an idempotent replay of the warm-up job
      // and a status read), so later rounds also cut requests mid-way rather than before any answer.
      await stack.http('POST', '/api/v1/backfill', { body: JSON.stringify(sent[0]!.body), headers: { 'idempotency-key': sent[0]!.key } });
      await stack.http('GET', `/api/v1/backfill/status/${warm.jobId}`);
    }

    // 1. Every job that was answered answers its status after the restart.
    const answered = sent.filter((x): x is Sent & { outcome: { status: number; jobId: string } } => 'status' in x.outcome && x.outcome.status === 202 && !!x.outcome.jobId);
    for (const x of answered) {
      const st = await stack.http('GET', `/api/v1/backfill/status/${x.outcome.jobId}`);
      answeredStatus.push({ jobId: x.outcome.jobId, status: st.status });
    }
    const bad = answeredStatus.filter((a) => a.status !== 200);
    report.verify(bad.length === 0, `all ${answered.length} jobs answered 202 before a kill answer GET status with 200 after restart (failures: ${JSON.stringify(bad)})`);

    // 2. Every POST retried with its key: same job when it was answered; exactly one job either way.
    const mismatches: string[] = [];
    const jobOfKey = new Map<string, string>();
    for (const x of sent) {
      const a = await stack.http('POST', '/api/v1/backfill', { body: JSON.stringify(x.body), headers: { 'idempotency-key': x.key } });
      if (a.status < 200 || a.status >= 300) {
        mismatches.push(`${x.key}: retry answered ${a.status} ${a.text.slice(0, 200)}`);
        continue;
      }
      const id = String(a.body.job_id);
      jobOfKey.set(x.key, id);
      if ('status' in x.outcome && x.outcome.jobId && x.outcome.jobId !== id) mismatches.push(`${x.key}: first answer job ${x.outcome.jobId}, retry job ${id}`);
      // A second retry must agree with the first.
      const again = await stack.http('POST', '/api/v1/backfill', { body: JSON.stringify(x.body), headers: { 'idempotency-key': x.key } });
      if (String(again.body?.job_id) !== id) mismatches.push(`${x.key}: two retries gave ${id} and ${String(again.body?.job_id)}`);
    }
    report.verify(mismatches.length === 0, `${sent.length} POSTs retried with their Idempotency-Key return one job each (${mismatches.length} mismatches${mismatches.length ? `: ${mismatches.slice(0, 5).join('; ')}` : ''})`);

    const { rows } = await db.pool.query<{ idempotency_key: string; n: number }>('SELECT idempotency_key, count(*)::int AS n FROM jobs GROUP BY idempotency_key');
    const dupKeys = rows.filter((r) => r.n !== 1);
    const jobCount = rows.reduce((a, r) => a + r.n, 0);
    report.verify(dupKeys.length === 0 && jobCount === sent.length, `${jobCount} job rows for ${sent.length} keys, none duplicated (${JSON.stringify(dupKeys)})`);

    // 3. Every job runs to the end, and each job has exactly one workflow (none lost, none doubled).
    const statuses = await Promise.all([...jobOfKey.values()].map((id) => waitForJobEnd(db.pool, id, 120_000, undefined, stack)));
    const notCompleted = statuses.filter((x) => x !== 'completed').length;
    report.verify(notCompleted === 0, `all ${statuses.length} jobs completed (${notCompleted} did not)`);
    const wfIds = await listWorkflowIds(s.client, s.taskQueue);
    const { rows: jobWfs } = await db.pool.query<{ workflow_id: string }>('SELECT workflow_id FROM jobs');
    const wfSet = new Set(wfIds);
    const jobsWithoutWf = jobWfs.filter((j) => !wfSet.has(j.workflow_id)).map((j) => j.workflow_id);
    const wfWithoutJob = [...wfSet].filter((w) => !jobWfs.some((j) => j.workflow_id === w));
    report.verify(jobsWithoutWf.length === 0 && wfWithoutJob.length === 0, `one workflow per job: ${wfSet.size} workflows for ${jobWfs.length} jobs (jobs without workflow: ${jobsWithoutWf.length}, workflows without job: ${wfWithoutJob.length})`);

    await s.check([...new Set(jobOfKey.values())].map((jobId) => ({ jobId, status: 'completed' as const })));

    expect(bad).toEqual([]);
    expect(mismatches).toEqual([]);
    expect(dupKeys).toEqual([]);
    expect(jobCount).toBe(sent.length);
    expect(notCompleted).toBe(0);
    expect(jobsWithoutWf).toEqual([]);
    expect(wfWithoutJob).toEqual([]);
    expect(stack.workers[0]!.unexpectedExits).toEqual([]);
  });
});
