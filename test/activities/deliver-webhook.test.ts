// The delivery activity against real Postgres and a local receiver, one attempt per call as
// Temporal runs it: what each answer does to the delivery row and which failure (retryable or not)
// the attempt ends with, including the end of the WEBHOOK_RETRY_HOURS budget; the event body is
// built once and sent identically on every attempt.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createDeliverWebhook, type WebhookConfig } from '../../activities/webhook.js';
import { createLogger } from '../../src/logger.js';
import { generateSecret } from '../../src/webhooks/index.js';
import { seedJob } from '../api/harness.js';
import { useTestDatabase } from '../helpers/env.js';

const db = useTestDatabase('deliver-webhook');
const logger = createLogger({ LOG_LEVEL: 'silent' });
const secret = generateSecret();
const config: WebhookConfig = {
  WEBHOOK_RETRY_HOURS: 1,
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: true,
  webhookSecret: secret,
  webhookSealKey: undefined,
  API_PUBLIC_URL: 'https://api.example.com',
  TEMPORAL_UI_URL: 'http://ui.example.com',
  TEMPORAL_NAMESPACE: 'default',
};

let server: Server;
let base: string;
let status = 204;
const bodies: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    let b = '';
    req.on('data', (c) => (b += c)).on('end', () => {
      bodies.push(b);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const row = async (id: string) =>
  (await db.pool.query<{ status: string; attempts: number; last_status: number | null; last_error: string | null }>('SELECT status, attempts, last_status, last_error FROM webhook_deliveries WHERE delivery_id = $1', [id])).rows[0]!;

async function attempt(deliveryId: string, jobId: string, cfg: WebhookConfig = config): Promise<{ ok: true } | { ok: false; type: string; nonRetryable: boolean }> {
  const deliver = createDeliverWebhook({ pool: db.pool, logger, config: cfg });
  try {
    await new MockActivityEnvironment().run(deliver, { jobId, deliveryId, event: 'backfill.completed' as const, url: `${base}/hook` });
    return { ok: true };
  } catch (err) {
    const f = err as ApplicationFailure;
    expect(f).toBeInstanceOf(ApplicationFailure);
    return { ok: false, type: f.type ?? '', nonRetryable: !!f.nonRetryable };
  }
}

describe('deliverWebhook', () => {
  it('5xx and 429 are retryable attempts that leave the delivery pending; a 2xx delivers it; the body never changes', async () => {
    const jobId = await seedJob(db.pool, { status: 'completed', symbols: ['AAPL'], timeframes: ['1d'], units: [{ symbol: 'AAPL', timeframe: '1d', barsFetched: 5, barsInserted: 5 }] });
    const id = `msg_${jobId}`;
    bodies.length = 0;
    for (const s of [500, 503, 429, 408]) {
      status = s;
      expect(await attempt(id, jobId)).toEqual({ ok: false, type: 'webhook_retry', nonRetryable: false });
      expect(await row(id)).toMatchObject({ status: 'pending', last_status: s });
    }
    status = 200;
    expect(await attempt(id, jobId)).toEqual({ ok: true });
    expect(await row(id)).toMatchObject({ status: 'delivered', attempts: 5, last_status: 200, last_error: null });
    // Delivered: a later run of the activity (a lost result, a replay) sends nothing more.
    expect(await attempt(id, jobId)).toEqual({ ok: true });
    expect(bodies).toHaveLength(5);
    expect(new Set(bodies).size).toBe(1);
    expect(JSON.parse(bodies[0]!)).toMatchObject({ type: 'backfill.completed', data: { job_id: jobId, records_fetched: 5, links: { status_url: `https://api.example.com/api/v1/backfill/status/${jobId}` } } });
  });

  it('another 4xx stops at once: the delivery is failed and the failure is not retryable', async () => {
    const jobId = await seedJob(db.pool, { status: 'completed', symbols: ['MSFT'], timeframes: ['1d'] });
    for (const [i, s] of [400, 401, 404, 410, 422, 302].entries()) {
      status = s;
      const id = `msg_${jobId.slice(0, -2)}${String(i).padStart(2, '0')}`;
      expect(await attempt(id, jobId), `HTTP ${s}`).toEqual({ ok: false, type: 'webhook_rejected', nonRetryable: true });
      expect(await row(id)).toMatchObject({ status: 'failed', attempts: 1, last_status: s });
    }
  });

  it('a connection error retries; past WEBHOOK_RETRY_HOURS from the first attempt the delivery fails for good', async () => {
    const jobId = await seedJob(db.pool, { status: 'failed', symbols: ['NVDA'], timeframes: ['1d'] });
    const id = `msg_${jobId}`;
    const deliver = createDeliverWebhook({ pool: db.pool, logger, config });
    const refused = () => new MockActivityEnvironment().run(deliver, { jobId, deliveryId: id, event: 'backfill.failed' as const, url: 'http://127.0.0.1:9/nothing-listens' });
    await expect(refused()).rejects.toMatchObject({ type: 'webhook_retry', nonRetryable: false });
    expect(await row(id)).toMatchObject({ status: 'pending', last_status: null, last_error: expect.stringMatching(/ECONNREFUSED/) });
    // An hour and a bit later (the budget is WEBHOOK_RETRY_HOURS=1 from retry_from):
    await db.pool.query(`UPDATE webhook_deliveries SET retry_from = now() - interval '61 minutes' WHERE delivery_id = $1`, [id]);
    await expect(refused()).rejects.toMatchObject({ type: 'webhook_retries_exhausted', nonRetryable: true });
    expect(await row(id)).toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('an endpoint with no secret (none configured, none registered) fails without sending', async () => {
    const jobId = await seedJob(db.pool, { status: 'completed', symbols: ['AMZN'], timeframes: ['1d'] });
    const n = bodies.length;
    expect(await attempt(`msg_${jobId}`, jobId, { ...config, webhookSecret: undefined })).toEqual({ ok: false, type: 'webhook_no_secret', nonRetryable: true });
    expect(bodies.length).toBe(n);
    expect(await row(`msg_${jobId}`)).toMatchObject({ status: 'failed' });
  });
});
