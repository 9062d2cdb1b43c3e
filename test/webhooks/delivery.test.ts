// Completion webhooks through the real parts (API app, Temporal dev server, an in-process worker,
// the simulator, Postgres) and a receiver that verifies every request with standardwebhooks:
// retries on 5xx under one webhook-id, a final 4xx that stops at once, the deliveries list and a
// manual redelivery, the secret shown once and found nowhere else, and bad webhook input refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';
import type { BackfillStarted } from '../../src/api/schemas.js';
import type { WebhookDeliveries } from './types.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { countJobs, createHarness, deadTemporalClient, errorOf, jsonHeaders, readJson, type Harness } from '../api/harness.js';
import { workflowIdForRedelivery } from '../../workflows/webhook.js';

// Both processes seal and unseal endpoint secrets with the same key, as production's would.
const SEAL_KEY = Buffer.alloc(32, 42).toString('base64');
const ENV = {
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
  WEBHOOK_SECRETS_KEY: SEAL_KEY,
  JOB_RETRY_WINDOW_SECONDS: '0',
  // The event's links: the worker builds them from the same public base URLs as the API.
  API_PUBLIC_URL: 'https://backfill.example.com',
  TEMPORAL_UI_URL: 'http://temporal-ui.test:8233',
};
const JOB = { symbols: ['AAPL'], timeframes: ['1d'], start_date: '2024-03-04', end_date: '2024-03-08' };

let h: Harness;
let sim: PolygonSim;
let worker: TestWorker;
const receivers: WebhookReceiver[] = [];
const answers: string[] = [];

beforeAll(async () => {
  [h, sim] = await Promise.all([createHarness({ label: 'webhooks', env: ENV }), startPolygonSim()]);
  worker = await startTestWorker({ db: h.db, taskQueue: h.taskQueue, polygonBaseUrl: sim.url, configOverrides: ENV });
});
afterAll(async () => {
  await worker?.stop();
  await Promise.all(receivers.map((r) => r.close()));
  await sim?.close();
  await h?.close();
});

async function receiver(path: string): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(path);
  receivers.push(r);
  return r;
}

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await h.app.request(path, { method, headers: jsonHeaders(), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  answers.push(await res.clone().text());
  return res;
}

async function startJob(url: string): Promise<BackfillStarted> {
  const res = await request('POST', '/api/v1/backfill', { ...JOB, webhook: { url } });
  expect(res.status).toBe(202);
  return readJson<BackfillStarted>(res);
}

const deliveries = async (jobId: string) => readJson<WebhookDeliveries>(await request('GET', `/api/v1/backfill/${jobId}/webhooks`));

describe('completion webhooks', () => {
  let secret: string;
  let firstJob: BackfillStarted;
  let flaky: WebhookReceiver;

  it('delivers one verified backfill.completed, retried under one webhook-id after two 500s', async () => {
    flaky = await receiver('/flaky');
    flaky.answer = (attempt) => (attempt <= 2 ? 500 : 204);
    firstJob = await startJob(flaky.url);
    expect(firstJob.webhook).toMatchObject({ url: flaky.url, secret_source: 'generated' });
    secret = firstJob.webhook!.secret!;
    expect(secret).toMatch(/^whsec_/);
    flaky.secret = secret;

    const list = await waitFor('the delivery to be delivered', async () => {
      const d = await deliveries(firstJob.job_id);
      return d.deliveries[0]?.status === 'delivered' ? d : null;
    }, 60_000, 250);
    expect(list.count).toBe(1);
    const d = list.deliveries[0]!;
    expect(d).toMatchObject({ event: 'backfill.completed', url: flaky.url, attempts: 3, last_status: 204, last_error: null });
    expect(d.delivered_at).not.toBeNull();

    expect(flaky.requests.map((r) => [r.verified, r.answered])).toEqual([[true, 500], [true, 500], [true, 204]]);
    expect(new Set(flaky.requests.map((r) => r.id))).toEqual(new Set([d.delivery_id]));
    expect(flaky.accepted.size).toBe(1);
    const event = flaky.accepted.get(d.delivery_id)!;
    expect(event.type).toBe('backfill.completed');
    expect(event.data).toMatchObject({
      job_id: firstJob.job_id,
      status: 'completed',
      symbols: ['AAPL'],
      units: { total: 1, completed: 1, failed: 0 },
      records_fetched: 5,
      quality: { sessions_covered: 5, gaps: 0 },
      links: { status_url: `https://backfill.example.com/api/v1/backfill/status/${firstJob.job_id}`, temporal_ui_url: firstJob.temporal_ui_url },
    });
    // Each attempt is signed at its own time (receivers reject stale timestamps), over the same body.
    expect(new Set(flaky.requests.map((r) => r.body)).size).toBe(1);
  });

  it('stops at a final 4xx and marks the delivery failed; a redelivery sends the same event again', async () => {
    const gone = await receiver('/gone');
    let status = 410;
    gone.answer = () => status;
    const job = await startJob(gone.url);
    gone.secret = job.webhook!.secret!;
    const failed = await waitFor('the delivery to fail', async () => {
      const d = await deliveries(job.job_id);
      return d.deliveries[0]?.status === 'failed' ? d.deliveries[0] : null;
    }, 60_000, 250);
    expect(failed).toMatchObject({ attempts: 1, last_status: 410, event: 'backfill.completed' });
    expect(failed.last_error).toMatch(/HTTP 410/);
    expect(gone.requests).toHaveLength(1);
    // The job itself is not failed by its webhook.
    const st = await readJson<{ status: string }>(await request('GET', `/api/v1/backfill/status/${job.job_id}`));
    expect(st.status).toBe('completed');

    status = 200;
    const res = await request('POST', `/api/v1/backfill/${job.job_id}/webhooks/${failed.delivery_id}/redeliver`);
    expect(res.status).toBe(202);
    const body = await readJson<{ workflow_id: string }>(res);
    expect(body.workflow_id).toBe(workflowIdForRedelivery(failed.delivery_id));
    const redelivered = await waitFor('the redelivery', async () => {
      const d = await deliveries(job.job_id);
      return d.deliveries[0]?.status === 'delivered' ? d.deliveries[0] : null;
    }, 60_000, 250);
    expect(redelivered).toMatchObject({ delivery_id: failed.delivery_id, attempts: 2, last_status: 200 });
    expect(gone.requests.map((r) => r.id)).toEqual([failed.delivery_id, failed.delivery_id]);
    expect(gone.accepted.size).toBe(1);

    // A delivered one may be redelivered too (a receiver that lost it); an unknown one is a 404; a pending one a 409.
    expect((await request('POST', `/api/v1/backfill/${job.job_id}/webhooks/msg_00000000-0000-4000-8000-000000000000/redeliver`)).status).toBe(404);
    expect((await request('POST', `/api/v1/backfill/${firstJob.job_id}/webhooks/${failed.delivery_id}/redeliver`)).status).toBe(404);
    expect((await request('POST', `/api/v1/backfill/${job.job_id}/webhooks/not-an-id/redeliver`)).status).toBe(400);
  });

  it('shows a generated secret once: a later job naming the same endpoint gets none, and it signs that job too', async () => {
    const again = await startJob(flaky.url);
    expect(again.webhook).toEqual({ url: flaky.url, secret_source: 'existing', secret: null });
    flaky.answer = () => 204;
    await waitFor('the second job\'s delivery', async () => (await deliveries(again.job_id)).deliveries[0]?.status === 'delivered', 60_000, 250);
    const ids = [...flaky.accepted.keys()];
    expect(ids).toHaveLength(2);
    expect(flaky.requests.every((r) => r.verified)).toBe(true);
  });

  it('keeps the secret out of the database in clear, API answers after creation, histories and logs', async () => {
    const { rows } = await h.db.pool.query<{ secret: string; sealed: boolean }>('SELECT secret, sealed FROM webhook_endpoints WHERE url = $1', [flaky.url]);
    expect(rows[0]!.sealed).toBe(true);
    const raw = secret.slice('whsec_'.length);
    expect(rows[0]!.secret).not.toContain(raw);
    const dump = await h.db.pool.query<{ t: string }>(`SELECT string_agg(t::text, ' ') AS t FROM (SELECT row_to_json(x) AS t FROM webhook_endpoints x UNION ALL SELECT row_to_json(y) FROM webhook_deliveries y UNION ALL SELECT row_to_json(j) FROM jobs j) z`);
    expect(dump.rows[0]!.t).not.toContain(raw);
    // The first answer (the POST that created the endpoint) is the only one that carries it.
    const carrying = answers.filter((a) => a.includes(raw));
    expect(carrying).toHaveLength(1);
    expect(carrying[0]).toContain(firstJob.job_id);
    const { client, taskQueue } = h;
    let histories = 0;
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` })) {
      const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const text = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
      expect(text, wf.workflowId).not.toContain(raw);
      expect(text).not.toContain(secret);
      histories++;
    }
    expect(histories).toBeGreaterThanOrEqual(4);
    expect(h.logs.length).toBeGreaterThan(0);
    for (const line of h.logs) expect(line).not.toContain(raw);
  });

  it('forgets a secret it generated for a request that then failed (Temporal down), so the retry is shown a new one', async () => {
    const dead = await deadTemporalClient();
    try {
      const down = h.makeApp({ client: dead.client, temporalTimeouts: { callMs: 300 } });
      const url = 'http://127.0.0.1:9/never-shown';
      const body = JSON.stringify({ ...JOB, webhook: { url } });
      const res = await down.request('/api/v1/backfill', { method: 'POST', headers: jsonHeaders({ 'idempotency-key': 'hook-503' }), body });
      expect(res.status).toBe(503);
      expect(JSON.stringify(await res.json())).not.toContain('whsec_');
      expect((await h.db.pool.query('SELECT 1 FROM webhook_endpoints WHERE url = $1', [url])).rowCount).toBe(0);
      // The same request once Temporal is back: the job starts and this answer shows the secret.
      const again = await h.app.request('/api/v1/backfill', { method: 'POST', headers: jsonHeaders({ 'idempotency-key': 'hook-503' }), body });
      expect(again.status).toBe(202);
      expect((await readJson<BackfillStarted>(again)).webhook).toMatchObject({ url, secret_source: 'generated', secret: expect.stringMatching(/^whsec_/) });
    } finally {
      await dead.close();
    }
  });

  it('warns, naming only the origin, when a generated secret is stored in clear (no WEBHOOK_SECRETS_KEY)', async () => {
    const warning = /stored in clear in Postgres: set WEBHOOK_SECRETS_KEY/;
    const unsealed = h.makeApp({ env: { WEBHOOK_SECRETS_KEY: undefined } });
    const url = 'http://127.0.0.1:9/hooks/t0ken-in-path?sig=q1';
    const before = h.logs.length;
    const res = await unsealed.request('/api/v1/backfill', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ ...JOB, webhook: { url } }) });
    expect(res.status).toBe(202);
    const shown = (await readJson<BackfillStarted>(res)).webhook!.secret!;
    const stored = await h.db.pool.query<{ sealed: boolean }>('SELECT sealed FROM webhook_endpoints WHERE url = $1', [url]);
    expect(stored.rows[0]!.sealed).toBe(false);
    const lines = h.logs.slice(before).filter((l) => warning.test(l));
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 40, endpoint: 'http://127.0.0.1:9' });
    for (const l of h.logs.slice(before)) expect(l).not.toMatch(new RegExp(`t0ken|sig=q1|${shown.slice('whsec_'.length)}`));
    // With the key (this suite's app) a new endpoint's secret is sealed and nothing is said.
    const quiet = h.logs.length;
    const sealedJob = await startJob('http://127.0.0.1:9/hooks/sealed');
    expect(sealedJob.webhook).toMatchObject({ secret_source: 'generated' });
    expect(h.logs.slice(quiet).filter((l) => warning.test(l))).toEqual([]);
  });

  it('refuses a bad webhook with a 400 naming the field, and starts and writes nothing', async () => {
    const before = await countJobs(h.db.pool);
    for (const [webhook, message] of [
      [{ url: 'ftp://example.com/x' }, /http and https/],
      [{ url: 'not a url' }, /valid URL/],
      [{ url: 'https://u:p@example.com/' }, /credentials/],
      [{}, /is required/],
      ['https://example.com', /object with a url/],
      [{ url: 'https://example.com', secret: 'whsec_x' }, /.+/],
    ] as const) {
      const res = await request('POST', '/api/v1/backfill', { ...JOB, webhook });
      expect(res.status, JSON.stringify(webhook)).toBe(400);
      const err = await errorOf(res);
      expect(err.field, JSON.stringify(webhook)).toBe('webhook');
      expect(err.message).toMatch(message);
    }
    // Production (private networks not allowed) refuses loopback, private and link-local endpoints.
    const strict = h.makeApp({ env: { ...ENV, WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
    for (const url of ['http://127.0.0.1:9/x', 'http://localhost/x', 'http://169.254.169.254/latest', 'http://[::1]/', 'http://10.1.2.3/']) {
      const res = await strict.request('/api/v1/backfill', { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ ...JOB, webhook: { url } }) });
      expect(res.status, url).toBe(400);
      const err = await errorOf(res);
      expect(err.field).toBe('webhook');
      expect(err.message).toMatch(/^webhook\.url: .*WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
    }
    expect(await countJobs(h.db.pool)).toBe(before);
    expect((await request('GET', '/api/v1/backfill/00000000-0000-4000-8000-000000000000/webhooks')).status).toBe(404);
  });
});
