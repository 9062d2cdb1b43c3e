// Scenario 13: completion webhooks under worker crashes. Three jobs name one endpoint whose receiver
// verifies every request with the standardwebhooks package and answers 500 to the first two
// attempts of each event; the only worker is SIGKILLed right after the receiver has answered a 500
// (between attempts, before the worker may have recorded it), twice, and restarted each time.
// Each job must be accepted exactly once as backfill.completed, every attempt of an event carrying
// the same webhook-id, and the secret must appear in no process's log.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { useScenario, expectNoCrashes } from './harness/use-scenario.js';
import { waitForJobEnd } from './harness/stack.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { startWebhookReceiver } from '../helpers/webhook-receiver.js';

const KILLS = 2;
const JOBS = [['AAPL'], ['MSFT'], ['NVDA']];

describe('scenario 13: webhooks delivered exactly once through worker SIGKILLs between attempts', () => {
  const s = useScenario('13-webhooks', {
    sim: { latencyMs: 5 },
    env: { WEBHOOK_SECRETS_KEY: randomBytes(32).toString('base64'), API_PUBLIC_URL: 'https://backfill.example.com' },
  });

  it('gets one accepted backfill.completed per job, under one webhook-id per job', async () => {
    const { stack, report, rng, db } = s;
    const receiver = await startWebhookReceiver('/hooks/backfill');
    receiver.answer = (attempt) => (attempt <= 2 ? 500 : 204);
    try {
      const worker = await stack.startWorker('worker');
      await stack.startApi();
      const jobs: string[] = [];
      for (const symbols of JOBS) {
        const { jobId, answer } = await stack.startJob({ symbols, timeframes: ['1d', '1h'], start_date: '2024-03-04', end_date: '2024-03-08', webhook: { url: receiver.url } });
        const webhook = answer.body.webhook as { secret: string | null; secret_source: string };
        if (jobs.length === 0) {
          expect(webhook.secret_source).toBe('generated');
          receiver.secret = webhook.secret;
        } else expect(webhook).toMatchObject({ secret_source: 'existing', secret: null });
        jobs.push(jobId);
      }
      report.inject(`${jobs.length} jobs name ${receiver.url}; the receiver answers 500 to each event's first two verified attempts, 204 after`);

      for (let k = 1; k <= KILLS; k++) {
        const fails = () => receiver.requests.filter((r) => r.verified && r.answered === 500).length;
        await waitFor(`the receiver's ${k === 1 ? 'first' : 'next'} 500`, () => fails() >= k * 2 - 1, 120_000, 20);
        const pid = worker.pid;
        await worker.kill9();
        report.inject(`kill ${k}/${KILLS}: SIGKILL worker pid ${pid} right after the receiver answered its 500 no. ${fails()}`);
        const down = rng.int(200, 2_500);
        await sleep(down);
        await stack.boot(worker);
        report.inject(`worker restarted after ${down} ms down`);
      }

      for (const jobId of jobs) {
        const status = await waitForJobEnd(db.pool, jobId, 120_000, report, stack);
        expect(status).toBe('completed');
      }
      await waitFor('one accepted event per job', () => receiver.accepted.size >= jobs.length, 180_000, 200);
      await sleep(1_000); // anything late would show now

      const accepted = [...receiver.accepted.values()];
      const perJob = new Map<string, number>();
      for (const e of accepted) perJob.set(String(e.data.job_id), (perJob.get(String(e.data.job_id)) ?? 0) + 1);
      report.verify(accepted.length === jobs.length, `receiver accepted ${accepted.length} events for ${jobs.length} jobs`);
      expect([...perJob.keys()].sort()).toEqual([...jobs].sort());
      expect([...perJob.values()].every((n) => n === 1)).toBe(true);
      expect(accepted.every((e) => e.type === 'backfill.completed' && e.data.status === 'completed')).toBe(true);
      report.check(`exactly one accepted backfill.completed per job (${jobs.length})`);

      const verified = receiver.requests.filter((r) => r.verified);
      report.verify(receiver.requests.every((r) => r.verified || r.answered === 503), `every request verified with standardwebhooks (${verified.length} of ${receiver.requests.length}; the rest arrived before the test knew the secret and got 503)`);
      expect(receiver.requests.filter((r) => !r.verified && r.answered !== 503)).toEqual([]);
      const { rows } = await db.pool.query<{ job_id: string; delivery_id: string; status: string; attempts: number; last_status: number }>(
        'SELECT job_id, delivery_id, status, attempts, last_status FROM webhook_deliveries ORDER BY created_at',
      );
      expect(rows).toHaveLength(jobs.length);
      for (const row of rows) {
        const ids = new Set(receiver.requests.filter((r) => r.verified && JSON.parse(r.body).data.job_id === row.job_id).map((r) => r.id));
        expect(ids, `webhook-ids of job ${row.job_id}`).toEqual(new Set([row.delivery_id]));
        expect(row).toMatchObject({ status: 'delivered', last_status: 204 });
        const sent = verified.filter((r) => r.id === row.delivery_id).length;
        report.note(`job ${row.job_id}: delivery ${row.delivery_id} delivered; ${sent} verified requests, ${row.attempts} attempts recorded`);
        expect(sent).toBeGreaterThanOrEqual(3);
      }
      report.check('every attempt of an event carried its one webhook-id; every delivery recorded delivered (204)');

      const raw = receiver.secret!.slice('whsec_'.length);
      const leaks = stack.allLines().filter((l) => l.includes(raw));
      report.verify(leaks.length === 0, `the endpoint secret is in none of ${stack.allLines().length} log lines`);
      expect(leaks).toEqual([]);
      await stack.stopAll();
      expectNoCrashes(s);
    } finally {
      await receiver.close();
    }
  });
});
