// Rotating an endpoint's generated secret through the real parts (API app, Temporal dev server, an
// in-process worker, the simulator, Postgres) and a receiver that verifies with standardwebhooks:
// during the grace each delivery carries a signature under the old and the new secret, so a
// receiver on either verifies; after it (grace_hours 0) only the new one does. The new secret is
// shown once, sealed at rest, and found in no log, history or later answer; bad requests are
// refused naming their field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { startPolygonSim, type PolygonSim } from '../../src/polygon-sim/index.js';
import type { BackfillStarted } from '../../src/api/schemas.js';
import { generateSecret } from '../../src/webhooks/sign.js';
import type { WebhookDeliveries } from './types.js';
import { startTestWorker, type TestWorker } from '../helpers/worker.js';
import { waitFor } from '../helpers/wait.js';
import { startWebhookReceiver, type ReceivedRequest, type WebhookReceiver } from '../helpers/webhook-receiver.js';
import { createHarness, errorOf, jsonHeaders, readJson, type Harness } from '../api/harness.js';

const SEAL_KEY = Buffer.alloc(32, 7).toString('base64');
const ENV = { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true', WEBHOOK_SECRETS_KEY: SEAL_KEY, JOB_RETRY_WINDOW_SECONDS: '0' };
const JOB = { symbols: ['AAPL'], timeframes: ['1d'], start_date: '2024-03-04', end_date: '2024-03-08' };
const ROTATE = '/api/v1/webhooks/rotate-secret';

interface Rotated {
  url: string;
  secret: string;
  previous_valid_until: string;
}

let h: Harness;
let sim: PolygonSim;
let worker: TestWorker;
let hook: WebhookReceiver;
const answers: string[] = [];

beforeAll(async () => {
  [h, sim, hook] = await Promise.all([createHarness({ label: 'rotation', env: ENV }), startPolygonSim(), startWebhookReceiver('/rotating')]);
  worker = await startTestWorker({ db: h.db, taskQueue: h.taskQueue, polygonBaseUrl: sim.url, configOverrides: ENV });
});
afterAll(async () => {
  await worker?.stop();
  await hook?.close();
  await sim?.close();
  await h?.close();
});

async function request(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await h.app.request(path, { method, headers: jsonHeaders(), ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  answers.push(await res.clone().text());
  return res;
}

/** Starts a job naming the receiver and waits for its delivery to be delivered; the request that delivered it. */
async function deliveredJob(): Promise<{ job: BackfillStarted; delivered: ReceivedRequest }> {
  const res = await request('POST', '/api/v1/backfill', { ...JOB, webhook: { url: hook.url } });
  expect(res.status).toBe(202);
  const job = await readJson<BackfillStarted>(res);
  const d = await waitFor('the delivery', async () => {
    const list = await readJson<WebhookDeliveries>(await request('GET', `/api/v1/backfill/${job.job_id}/webhooks`));
    return list.deliveries[0]?.status === 'delivered' ? list.deliveries[0] : null;
  }, 60_000, 250);
  const delivered = hook.requests.filter((r) => r.id === d.delivery_id && r.verified);
  expect(delivered).toHaveLength(1);
  return { job, delivered: delivered[0]! };
}

function verifies(secret: string, r: ReceivedRequest): boolean {
  try {
    new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

const signatures = (r: ReceivedRequest) => String(r.headers['webhook-signature']).split(' ');

describe('webhook secret rotation', () => {
  let first: string;
  let second: string;
  let third: string;

  it('during the grace, deliveries verify with the old secret and with the new one', async () => {
    const res = await request('POST', '/api/v1/backfill', { ...JOB, webhook: { url: hook.url } });
    const job = await readJson<BackfillStarted>(res);
    first = job.webhook!.secret!;
    hook.secret = first;
    await waitFor('the first delivery', async () => hook.accepted.size === 1, 60_000, 250);
    expect(signatures(hook.requests.at(-1)!)).toHaveLength(1);

    const before = Date.now();
    const rotated = await request('POST', ROTATE, { url: hook.url });
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get('cache-control')).toBe('no-store');
    const r = await readJson<Rotated>(rotated);
    expect(r.url).toBe(hook.url);
    expect(r.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(r.secret).not.toBe(first);
    second = r.secret;
    // The default grace, 24 hours, by the database's clock (a second either way for the two clocks).
    const until = Date.parse(r.previous_valid_until) - before;
    expect(until).toBeGreaterThan(24 * 3_600_000 - 2_000);
    expect(until).toBeLessThan(24 * 3_600_000 + 5_000);

    // The receiver is still on the old secret: it verifies; one already on the new one would too.
    const { job: later, delivered } = await deliveredJob();
    expect(later.webhook).toEqual({ url: hook.url, secret_source: 'existing', secret: null });
    expect(signatures(delivered)).toHaveLength(2);
    expect(signatures(delivered).every((s) => /^v1,[A-Za-z0-9+/]+=*$/.test(s))).toBe(true);
    expect(verifies(first, delivered)).toBe(true);
    expect(verifies(second, delivered)).toBe(true);
    expect(verifies(generateSecret(), delivered)).toBe(false);
    // The new secret's signature comes first.
    const onlyNew = { ...delivered, headers: { ...delivered.headers, 'webhook-signature': signatures(delivered)[0] } };
    expect(verifies(second, onlyNew)).toBe(true);
    expect(verifies(first, onlyNew)).toBe(false);
  });

  it('after the grace (grace_hours 0) only the newest secret verifies', async () => {
    const res = await request('POST', ROTATE, { url: hook.url, grace_hours: 0 });
    expect(res.status).toBe(200);
    const r = await readJson<Rotated>(res);
    third = r.secret;
    expect(new Set([first, second, third]).size).toBe(3);
    expect(Math.abs(Date.parse(r.previous_valid_until) - Date.now())).toBeLessThan(5_000);
    hook.secret = third;
    const { delivered } = await deliveredJob();
    expect(signatures(delivered)).toHaveLength(1);
    expect(verifies(third, delivered)).toBe(true);
    expect(verifies(second, delivered)).toBe(false);
    expect(verifies(first, delivered)).toBe(false);
    // Nothing of the replaced secrets is kept once their grace is over.
    const { rows } = await h.db.pool.query('SELECT previous_secret, previous_sealed FROM webhook_endpoints WHERE url = $1', [hook.url]);
    expect(rows[0]).toEqual({ previous_secret: null, previous_sealed: null });
  });

  it('keeps every secret out of the database in clear, later answers, histories and logs', async () => {
    // A rotation with a grace, so that a sealed previous secret is at rest too.
    const res = await request('POST', ROTATE, { url: hook.url, grace_hours: 1 });
    const fourth = (await readJson<Rotated>(res)).secret;
    const secrets = [first, second, third, fourth];
    const raws = secrets.map((s) => s.slice('whsec_'.length));

    const { rows } = await h.db.pool.query<{ sealed: boolean; previous_sealed: boolean }>('SELECT sealed, previous_sealed FROM webhook_endpoints WHERE url = $1', [hook.url]);
    expect(rows[0]).toEqual({ sealed: true, previous_sealed: true });
    const dump = await h.db.pool.query<{ t: string }>(
      `SELECT string_agg(t::text, ' ') AS t FROM (SELECT row_to_json(x) AS t FROM webhook_endpoints x UNION ALL SELECT row_to_json(y) FROM webhook_deliveries y UNION ALL SELECT row_to_json(j) FROM jobs j) z`,
    );
    for (const raw of raws) expect(dump.rows[0]!.t).not.toContain(raw);
    // Each secret is in exactly one answer: the job POST that created it, or the rotation that made it.
    for (const raw of raws) expect(answers.filter((a) => a.includes(raw))).toHaveLength(1);

    let histories = 0;
    for await (const wf of h.client.workflow.list({ query: `TaskQueue = '${h.taskQueue}'` })) {
      const history = await h.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      const text = JSON.stringify(history, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('utf8') : v));
      for (const raw of raws) expect(text, wf.workflowId).not.toContain(raw);
      histories++;
    }
    expect(histories).toBeGreaterThanOrEqual(3);
    const rotations = h.logs.filter((l) => l.includes('webhook secret rotated'));
    expect(rotations).toHaveLength(3);
    expect(JSON.parse(rotations[0]!)).toMatchObject({ endpoint: new URL(hook.url).origin, grace_hours: 24 });
    for (const line of h.logs) for (const raw of raws) expect(line).not.toContain(raw);
    // Sealed under the key: no warning about secrets in clear.
    expect(h.logs.filter((l) => l.includes('stored in clear'))).toEqual([]);
  });

  it('refuses bad requests naming the field: 400 body, url, grace_hours; 404 an unknown endpoint; 409 under WEBHOOK_SECRET', async () => {
    const { rows: before } = await h.db.pool.query('SELECT * FROM webhook_endpoints ORDER BY url');
    for (const [body, field, message] of [
      [undefined, 'body', /JSON object is required/],
      [[], 'body', /JSON object/],
      [{}, 'url', /^url: is required/],
      [{ url: 42 }, 'url', /^url: must be a URL string/],
      [{ url: 'not a url' }, 'url', /valid URL/],
      [{ url: 'ftp://example.com/x' }, 'url', /http and https/],
      [{ url: hook.url, grace_hours: -1 }, 'grace_hours', /^grace_hours: must be between 0 and 168/],
      [{ url: hook.url, grace_hours: 169 }, 'grace_hours', /between 0 and 168/],
      [{ url: hook.url, grace_hours: 1.5 }, 'grace_hours', /whole number/],
      [{ url: hook.url, grace_hours: '24' }, 'grace_hours', /whole number/],
      [{ url: hook.url, secret: 'whsec_mine' }, 'secret', /unknown field/],
    ] as const) {
      const res = await request('POST', ROTATE, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const err = await errorOf(res);
      expect(err.field, JSON.stringify(body)).toBe(field);
      expect(err.message, JSON.stringify(body)).toMatch(message);
    }
    const broken = await h.app.request(ROTATE, { method: 'POST', headers: jsonHeaders(), body: '{' });
    expect(broken.status).toBe(400);
    expect(await errorOf(broken)).toMatchObject({ code: 'invalid_json', field: 'body' });

    const unknown = await request('POST', ROTATE, { url: `${hook.url}/never-named` });
    expect(unknown.status).toBe(404);
    expect(await errorOf(unknown)).toMatchObject({ code: 'not_found', field: 'url' });

    const configured = h.makeApp({ env: { WEBHOOK_SECRET: generateSecret() } });
    const res = await configured.request(ROTATE, { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ url: hook.url }) });
    expect(res.status).toBe(409);
    const err = await errorOf(res);
    expect(err).toMatchObject({ code: 'conflict', field: 'url' });
    expect(err.message).toMatch(/WEBHOOK_SECRET .*configuration change/);

    // Production refuses a private endpoint's URL before looking it up.
    const strict = h.makeApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
    const priv = await strict.request(ROTATE, { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ url: hook.url }) });
    expect(priv.status).toBe(400);
    expect((await errorOf(priv)).field).toBe('url');

    // Auth like every /api route.
    const keyed = h.makeApp({ env: { API_KEYS: 'rotation-key-1' } });
    const anonymous = await keyed.request(ROTATE, { method: 'POST', headers: jsonHeaders(), body: JSON.stringify({ url: hook.url }) });
    expect(anonymous.status).toBe(401);

    // None of these changed anything.
    const { rows: after } = await h.db.pool.query('SELECT * FROM webhook_endpoints ORDER BY url');
    expect(after).toEqual(before);
  });
});
