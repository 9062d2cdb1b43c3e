// Scenario 9: secrets. A full run (jobs that complete, fail a unit, are retried, paused, resumed and
// cancelled, through Polygon errors and API auth failures) with a known Polygon key (the simulator
// accepts only it) and a known API key (API_KEYS). Afterwards neither key, raw, URL-encoded or
// base64-encoded, may appear in any captured log line (worker, API, Temporal server, a worker that
// refused a bad config), any API response body, any workflow history (`temporal workflow show
// --output json`, payloads decoded, plus the client's fetchHistory and describe), or a pg_dump of
// the database. The jobs name a webhook endpoint too: its generated secret may appear in the one
// POST answer that created it and nowhere else (the database holds it sealed).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManagedProcess } from '../helpers/proc.js';
import { sleep, waitFor } from '../helpers/wait.js';
import { pgDump } from './harness/postgres.js';
import { artifactsRoot, runDir } from './harness/paths.js';
import { inject } from 'vitest';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { decodePayloads, scanText, type SecretHit } from './harness/secrets.js';
import { waitForJobEnd, waitForPages, type HttpAnswer } from './harness/stack.js';
import { listWorkflowIds, workflowShowJson } from './harness/temporal.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

const POLYGON_KEY = `pk_FAULTSUITE_${randomBytes(12).toString('hex')}`;
const API_KEY = `ak_FAULTSUITE_${randomBytes(12).toString('hex')}`;
const SECRETS = [POLYGON_KEY, API_KEY];

describe('scenario 9: no secret anywhere after a full run', () => {
  let s: Scenario;
  let receiver: WebhookReceiver;
  const bodies: Array<{ what: string; text: string }> = [];
  beforeAll(async () => {
    s = await setupScenario('09-secrets', {
      polygonKey: POLYGON_KEY,
      sim: { latencyMs: 10, maxResultsPerPage: 60, faults: { notAuthorizedTickers: ['NOPE'], errorRate: 0.02, malformedRate: 0.01, truncatedRate: 0.01, resetRate: 0.01, seed: 9 } },
      // Most verbose logging, where leaks happen.
      env: { LOG_LEVEL: 'debug', POLYGON_PAGE_LIMIT: '50000', WEBHOOK_SECRETS_KEY: randomBytes(32).toString('hex'), API_KEYS: `other-key-${randomBytes(4).toString('hex')},${API_KEY}`, JOB_RETRY_WINDOW_SECONDS: '0', POLYGON_REQUEST_TIMEOUT_MS: '3000' },
    });
    receiver = await startWebhookReceiver('/secrets-hook');
  });
  afterAll(async () => {
    await receiver?.close();
    await s?.teardown();
  });

  it('runs jobs through every path with known keys', async () => {
    const { stack, report, db, sim } = s;
    await stack.startWorker('worker');
    await stack.startApi();
    stack.apiKey = API_KEY;
    report.inject(`Polygon key ${POLYGON_KEY.slice(0, 14)}... (the simulator accepts only it), API key ${API_KEY.slice(0, 14)}... in API_KEYS; LOG_LEVEL=debug; 2% 5xx, 1% malformed, truncated and reset responses; NOPE not entitled`);
    const keep = (what: string, a: HttpAnswer) => bodies.push({ what, text: a.text });

    // Auth failures: no key, a wrong key, a key that differs from the real one by its last character.
    for (const [label, auth] of [['none', undefined], ['wrong', 'Bearer nope'], ['near miss', `Bearer ${API_KEY.slice(0, -1)}x`], ['basic', `Basic ${Buffer.from(`u:${API_KEY}x`).toString('base64')}`]] as const) {
      const a = await stack.http('GET', '/api/v1/backfill/recent', { auth: false, headers: auth ? { authorization: auth } : {} });
      keep(`recent with ${label} auth`, a);
      report.verify(a.status === 401, `GET /recent with ${label} auth: ${a.status}`);
    }

    // A job with a failing unit, then retried after the "plan" is fixed.
    const webhook = { url: receiver.url };
    const j1 = await stack.startJob({ symbols: ['AAPL', 'NOPE'], timeframes: ['5m', '1d'], start_date: '2024-03-04', end_date: '2024-03-06', webhook }, `secrets-${s.seed}`);
    // The one answer that may carry the endpoint's secret: it is shown once, here.
    const hookSecret = (j1.answer.body.webhook as { secret: string }).secret;
    report.verify(/^whsec_/.test(hookSecret), 'the POST that first names the webhook endpoint answers with its generated whsec_ secret');
    expect(hookSecret).toMatch(/^whsec_/);
    receiver.secret = hookSecret;
    SECRETS.push(hookSecret.slice('whsec_'.length));
    keep('POST backfill (secret shown once, masked here)', { ...j1.answer, text: j1.answer.text.replace(hookSecret, 'whsec_<shown once>') });
    keep('POST backfill replay', await stack.http('POST', '/api/v1/backfill', { body: JSON.stringify({ symbols: ['AAPL', 'NOPE'], timeframes: ['5m', '1d'], start_date: '2024-03-04', end_date: '2024-03-06', webhook }), headers: { 'idempotency-key': `secrets-${s.seed}` } }));
    keep('status while running', await stack.http('GET', `/api/v1/backfill/status/${j1.jobId}`));
    const st1 = await waitForJobEnd(db.pool, j1.jobId, 120_000, report, stack);
    report.note(`job 1 ended ${st1}`);
    keep('status after end', await stack.http('GET', `/api/v1/backfill/status/${j1.jobId}`));
    keep('failed units', await stack.http('GET', `/api/v1/backfill/${j1.jobId}/units?status=failed`));
    sim.setOptions({ faults: { notAuthorizedTickers: [] } });
    const retry = await stack.http('POST', `/api/v1/backfill/${j1.jobId}/retry`, { body: '{}' });
    keep('retry', retry);
    report.inject(`NOPE entitled again; POST /retry: ${retry.status}`);
    report.verify(retry.status === 202, `POST /retry answered ${retry.status}`);
    expect(retry.status).toBe(202);
    await waitFor('job 1 to be retried to completion', async () => {
      const { rows } = await db.pool.query<{ status: string }>('SELECT status FROM jobs WHERE job_id = $1', [j1.jobId]);
      return rows[0]?.status === 'completed';
    }, 120_000, 500);
    report.check('job 1 completed after the retry');

    // A job paused, resumed and cancelled.
    const j2 = await stack.startJob({ symbols: ['MSFT', 'NVDA', 'AMZN'], timeframes: ['1m'], start_date: '2024-03-04', end_date: '2024-03-08', concurrency: 1, webhook });
    keep('POST backfill 2', j2.answer);
    await waitForPages(db.pool, j2.jobId, 3, 60_000, stack);
    keep('pause', await stack.http('POST', `/api/v1/backfill/${j2.jobId}/pause`));
    keep('resume', await stack.http('POST', `/api/v1/backfill/${j2.jobId}/resume`));
    await sleep(500);
    keep('cancel', await stack.http('POST', `/api/v1/backfill/${j2.jobId}/cancel`));
    const st2 = await waitForJobEnd(db.pool, j2.jobId, 60_000, report, stack);
    report.note(`job 2 ended ${st2}`);
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs', '/api/v1/backfill/recent?limit=100', `/api/v1/backfill/status/${j2.jobId}`, `/api/v1/backfill/${j2.jobId}/units`]) {
      keep(`GET ${path}`, await stack.http('GET', path));
    }
    // Each outcome was announced, signed with the secret (the receiver verifies with standardwebhooks).
    await waitFor('the three webhook events', () => receiver.accepted.size >= 3, 120_000, 250);
    const events = [...receiver.accepted.values()].map((e) => `${String(e.data.job_id).slice(0, 8)} ${e.type}`).sort();
    report.verify(receiver.requests.every((r) => r.verified), `webhook receiver verified ${receiver.requests.length} requests: ${events.join(', ')}`);
    expect(events).toEqual(
      [`${j1.jobId.slice(0, 8)} backfill.completed_with_errors`, `${j1.jobId.slice(0, 8)} backfill.completed`, `${j2.jobId.slice(0, 8)} backfill.cancelled`].sort(),
    );
    for (const j of [j1, j2]) keep(`webhooks of ${j.jobId}`, await stack.http('GET', `/api/v1/backfill/${j.jobId}/webhooks`));

    // Bad input echoes: errors must not quote the Authorization header.
    keep('bad body', await stack.http('POST', '/api/v1/backfill', { body: JSON.stringify({ symbols: [API_KEY.slice(0, 3)], start_date: 'x' }) }));

    // A worker that refuses its configuration (bad variable) while both keys are in its environment.
    const bad = new ManagedProcess({ name: 'worker-badconfig', script: 'src/worker.ts', env: { ...stack.env, POLYGON_RATE_LIMIT_RPM: 'not-a-number', API_KEYS: API_KEY }, logDir: s.dir });
    bad.start();
    const exit = await bad.exited();
    report.verify(exit.code !== 0, `a worker with POLYGON_RATE_LIMIT_RPM=not-a-number refuses to start (exit ${exit.code}): ${bad.lines.slice(-1)[0]?.slice(0, 200)}`);
    await stack.stopAll();
  });

  it('finds neither key in logs, API answers, workflow histories or the database', async () => {
    const { report, client, taskQueue, db, dir, temporalAddress } = s;
    const hits: SecretHit[] = [];
    const scanned: string[] = [];

    // 1. Every captured log line of this scenario (product processes, in-process apps) and the Temporal server's.
    const logFiles = readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => join(dir, f));
    logFiles.push(join(runDir(inject('runId')), 'temporal-shared.log'));
    let lines = 0;
    for (const f of logFiles) {
      const text = readFileSync(f, 'utf8');
      lines += text.split('\n').length;
      hits.push(...scanText(f.replace(artifactsRoot, '.artifacts/faults'), text, SECRETS));
    }
    scanned.push(`${logFiles.length} log files (${lines} lines)`);

    // 2. Every API response body.
    for (const b of bodies) hits.push(...scanText(`API answer: ${b.what}`, b.text, SECRETS));
    scanned.push(`${bodies.length} API response bodies`);

    // 3. Workflow histories: the CLI's JSON (payloads decoded too), the client's history and description.
    const ids = await listWorkflowIds(client, taskQueue);
    let historyBytes = 0;
    for (const id of ids) {
      const shown = workflowShowJson(temporalAddress, id);
      writeFileSync(join(dir, `history-${id}.json`), shown);
      historyBytes += shown.length;
      hits.push(...scanText(`temporal workflow show ${id}`, shown, SECRETS));
      hits.push(...scanText(`temporal workflow show ${id} (decoded payloads)`, decodePayloads(shown), SECRETS));
      const handle = client.workflow.getHandle(id);
      const hist = JSON.stringify(await handle.fetchHistory());
      hits.push(...scanText(`fetchHistory ${id}`, hist, SECRETS));
      hits.push(...scanText(`fetchHistory ${id} (decoded payloads)`, decodePayloads(hist), SECRETS));
      hits.push(...scanText(`describe ${id}`, JSON.stringify(await handle.describe(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)), SECRETS));
    }
    scanned.push(`${ids.length} workflow histories (${historyBytes} bytes of CLI JSON)`);

    // 4. The whole database.
    const dump = pgDump(db.url);
    writeFileSync(join(dir, 'pg_dump.sql'), dump);
    hits.push(...scanText('pg_dump', dump, SECRETS));
    scanned.push(`pg_dump (${dump.length} bytes)`);

    // The scan must be able to find what it looks for: plant each form in a copy and expect a hit.
    const planted: Array<[string, string]> = [
      ['raw', `{"msg":"x","key":"${POLYGON_KEY}"}`],
      ['base64 (offset 0)', Buffer.from(`${API_KEY}"}`).toString('base64')],
      ['base64 (offset 2)', Buffer.from(`{"${API_KEY}"}`).toString('base64')],
      ['base64 (offset 1)', Buffer.from(`"${POLYGON_KEY}"`).toString('base64')],
      ['decoded payload', decodePayloads(JSON.stringify({ payload: { data: Buffer.from(JSON.stringify({ apiKey: POLYGON_KEY })).toString('base64') } }))],
    ];
    for (const [label, text] of planted) {
      const found = scanText('self-test', text, SECRETS).length > 0;
      report.verify(found, `self-test: the scanner finds a planted ${label} key`);
      expect(found).toBe(true);
    }

    report.check(`scanned ${scanned.join(', ')} for both keys (raw, URL-encoded, base64)`);
    for (const h of hits.slice(0, 20)) report.fail(`${h.secret} (${h.form}) in ${h.where}: ...${h.excerpt}...`);
    report.verify(hits.length === 0, `${hits.length} occurrences of a key found`);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    expect(hits).toEqual([]);
  });
});
