// Scenario 8: hostile input. At least 1,000 seeded cases (grammar-based bodies and query strings,
// mutated and random bodies, broken encodings, oversized and deeply nested payloads, and fuzzed
// status/units/recent/control routes) against createApp() via app.request(), plus a slice of them
// and some raw-socket abuse over real HTTP against the API process. Every answer must be a 2xx or
// 4xx within 5 s (never a 5xx, never a hang), 4xx bodies must be the JSON error shape, the process
// must keep serving, and every 2xx POST must be a real, runnable job (row + workflow). The API's
// task queue has no worker, so accepted jobs never run; they are terminated at the end.
import { createWriteStream } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { createApp } from '../../src/api/app.js';
import { parseTimeframe } from '../../src/polygon/timeframes.js';
import { windowCapacity } from '../../src/planner/windows.js';
import { isCalendarDate } from '../../src/api/dates.js';
import { backfillCase, controlCase, otherRouteCase, type FuzzCase } from './harness/fuzz.js';
import { rng } from './harness/random.js';
import { setupScenario, type Scenario } from './harness/scenario.js';
import { listWorkflowIds, terminateAll } from './harness/temporal.js';

const BACKFILL_CASES = 1_100;
const OTHER_CASES = 400;
const HTTP_SLICE = 250;
const CONTROL_CASES = 8;
// Longer than any deadline the API sets itself (Temporal calls: 5 s): past it, an answer is a hang.
const CASE_TIMEOUT_MS = 10_000;
// A generous shape check, independent of the API's own patterns: visible ASCII, 1-32 chars.
const TICKER_SHAPE = /^[A-Za-z0-9.:_]{1,32}$/;

interface Answer {
  c: FuzzCase;
  status: number;
  text: string;
  ms: number;
}

function describeCase(c: FuzzCase): string {
  const body = c.body === undefined ? '' : typeof c.body === 'string' ? c.body : `<${c.body.length} random bytes>`;
  return `#${c.n} ${c.kind} ${c.method} ${c.path.slice(0, 160)} ${JSON.stringify(c.headers).slice(0, 120)} ${body.slice(0, 200)}`;
}

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`hang: no answer within ${ms} ms for ${what}`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

/** Raw HTTP over a socket: for requests fetch refuses to send. Resolves with the status line (or 'closed'). */
function raw(port: number, data: string, ms = CASE_TIMEOUT_MS): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    const done = (v: string) => {
      clearTimeout(t);
      sock.destroy();
      resolve(v);
    };
    const t = setTimeout(() => done(buf.split('\r\n')[0] || 'timeout'), ms);
    sock.on('data', (d) => {
      buf += d.toString();
      if (buf.includes('\r\n')) done(buf.split('\r\n')[0]!);
    });
    sock.on('error', () => done(buf.split('\r\n')[0] || 'closed'));
    sock.on('close', () => done(buf.split('\r\n')[0] || 'closed'));
    sock.write(data);
  });
}

describe('scenario 8: fuzzing the API (body, query strings, routes)', () => {
  let s: Scenario;
  const startedWorkflows = new Set<string>();
  beforeAll(async () => {
    // No worker is started: accepted jobs stay queued and are terminated at the end.
    s = await setupScenario('08-fuzz-api');
  });
  afterAll(async () => {
    if (s) {
      for (const id of await listWorkflowIds(s.client, s.taskQueue).catch(() => [])) startedWorkflows.add(id);
      const n = await terminateAll(s.client, startedWorkflows, 'fault suite fuzz clean-up');
      s.report.note(`terminated ${n} workflows started by accepted fuzz requests`);
      await s.teardown();
    }
  });

  async function validateAccepted(a: Answer, problems: string[]) {
    const { db, client, taskQueue } = s;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(a.text) as Record<string, unknown>;
    } catch {
      problems.push(`2xx with a non-JSON body: ${describeCase(a.c)}`);
      return undefined;
    }
    const jobId = String(body.job_id ?? '');
    const { rows } = await db.pool.query<{ workflow_id: string; symbols: string[]; timeframes: string[]; start_date: string; end_date: string; units_total: number; concurrency: number }>(
      `SELECT workflow_id, symbols, timeframes, to_char(start_date, 'YYYY-MM-DD') AS start_date, to_char(end_date, 'YYYY-MM-DD') AS end_date, units_total, concurrency FROM jobs WHERE job_id::text = $1`,
      [jobId],
    );
    const job = rows[0];
    if (!job) {
      problems.push(`2xx but no job row for job_id ${jobId}: ${describeCase(a.c)}`);
      return undefined;
    }
    startedWorkflows.add(job.workflow_id);
    const why: string[] = [];
    const today = new Date().toISOString().slice(0, 10);
    if (!job.symbols.length) why.push('no symbols');
    if (new Set(job.symbols).size !== job.symbols.length) why.push('duplicate symbols');
    for (const sym of job.symbols) if (!TICKER_SHAPE.test(sym) || !/[A-Z]/.test(sym)) why.push(`symbol ${JSON.stringify(sym)} is not a ticker`);
    if (!isCalendarDate(job.start_date) || !isCalendarDate(job.end_date)) why.push('dates not real');
    if (job.start_date > job.end_date) why.push('start after end');
    if (job.end_date > today) why.push('end in the future');
    if (job.units_total !== job.symbols.length * job.timeframes.length) why.push('units_total mismatch');
    if (!(job.concurrency >= 1 && job.concurrency <= 64)) why.push(`concurrency ${job.concurrency}`);
    for (const tf of job.timeframes) {
      // Runnable by a worker with the default page limit: the product's own parser and planner.
      try {
        windowCapacity(parseTimeframe(tf), 50_000);
      } catch (e) {
        why.push(`timeframe ${JSON.stringify(tf)} cannot be fetched (${(e as Error).message.slice(0, 120)})`);
      }
    }
    try {
      const d = await client.workflow.getHandle(job.workflow_id).describe();
      if (d.taskQueue !== taskQueue) why.push(`workflow on task queue ${d.taskQueue}`);
    } catch (e) {
      why.push(`no workflow ${job.workflow_id} (${(e as Error).message})`);
    }
    if (why.length) problems.push(`2xx for a job that is not real and valid (${why.join('; ')}): ${describeCase(a.c)}`);
    return jobId;
  }

  function judge(a: Answer, problems: string[]) {
    // A control action on a real job whose task queue has no worker: 503 worker_unavailable is the
    // documented answer to that situation (the test created it), not to the input.
    if (a.status === 503 && a.c.kind.endsWith('-real-job') && /"worker_unavailable"/.test(a.text)) return;
    // Node's HTTP parser answers an oversized URL/header block itself (before the app), bodiless.
    if (a.status === 431 && a.text === '') return;
    if (a.status >= 500) problems.push(`${a.status} ${a.text.slice(0, 200)} for ${describeCase(a.c)}`);
    else if (a.status < 200 || (a.status >= 300 && a.status < 400)) problems.push(`unexpected status ${a.status} for ${describeCase(a.c)}`);
    else if (a.status >= 400 && a.c.path.startsWith('/api/')) {
      let ok = false;
      try {
        const b = JSON.parse(a.text) as { error?: { code?: unknown; message?: unknown } };
        ok = typeof b.error?.code === 'string' && typeof b.error?.message === 'string' && b.error.message.length > 0;
      } catch {
        ok = false;
      }
      if (!ok) problems.push(`${a.status} without the {error:{code,message}} shape (${a.text.slice(0, 120)}) for ${describeCase(a.c)}`);
      if (/\bat .+\.(ts|js):\d+/.test(a.text)) problems.push(`stack trace in a ${a.status} answer for ${describeCase(a.c)}`);
    }
  }

  function summarize(label: string, answers: Answer[]) {
    const hist: Record<string, number> = {};
    const kinds: Record<string, number> = {};
    for (const a of answers) {
      hist[a.status] = (hist[a.status] ?? 0) + 1;
      kinds[a.c.kind] = (kinds[a.c.kind] ?? 0) + 1;
    }
    const slowest = Math.max(0, ...answers.map((a) => a.ms));
    s.report.note(`${label}: ${answers.length} cases; statuses ${JSON.stringify(hist)}; kinds ${JSON.stringify(kinds)}; slowest ${slowest} ms`);
  }

  it(`app.request(): ${BACKFILL_CASES + OTHER_CASES + CONTROL_CASES} seeded cases, never a 5xx or a hang, every 2xx a real job`, async () => {
    const { report, db, temporalAddress, taskQueue, dir } = s;
    const config = loadConfig({ DATABASE_URL: db.url, TEMPORAL_ADDRESS: temporalAddress, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'info', JOB_RETRY_WINDOW_SECONDS: '0' });
    const logger = createLogger(config, { base: { component: 'api-fuzz' }, destination: createWriteStream(join(dir, 'app-request.log')) });
    const app = createApp({ config, pool: db.pool, temporal: s.client, logger });
    const r = rng(s.seed);
    report.inject(`fuzz seed ${s.seed}: ${BACKFILL_CASES} POST /api/v1/backfill cases (grammar bodies, query strings, mutations, random bytes, nesting, 1-2 MB bodies, scalars, content types) + ${OTHER_CASES} cases on the other routes + ${CONTROL_CASES} control actions on real jobs with no worker, via app.request()`);

    const problems: string[] = [];
    const answers: Answer[] = [];
    const accepted: string[] = [];
    const send = async (c: FuzzCase) => {
      const t0 = Date.now();
      try {
        const res = await withTimeout(
          Promise.resolve(app.request(c.path, { method: c.method, headers: c.headers, body: c.body as BodyInit | undefined })),
          CASE_TIMEOUT_MS,
          describeCase(c),
        );
        const text = await withTimeout(res.text(), CASE_TIMEOUT_MS, describeCase(c));
        const a = { c, status: res.status, text, ms: Date.now() - t0 };
        answers.push(a);
        judge(a, problems);
        if (a.status >= 200 && a.status < 300 && c.method === 'POST' && c.path.startsWith('/api/v1/backfill') && c.kind !== 'control-retry' && !c.kind.startsWith('control-')) {
          const id = await validateAccepted(a, problems);
          if (id) accepted.push(id);
        }
      } catch (e) {
        problems.push(`${(e as Error).message}`);
      }
    };
    for (let n = 0; n < BACKFILL_CASES; n++) await send(backfillCase(r, n));
    for (let n = 0; n < OTHER_CASES; n++) await send(otherRouteCase(r, BACKFILL_CASES + n, accepted));
    // Control actions on real jobs wait for a worker that does not exist, up to the API's own
    // deadline: a few of them, concurrently.
    const real = [...new Set(accepted)];
    if (real.length) {
      await Promise.all(Array.from({ length: CONTROL_CASES }, (_, i) => send(controlCase(r, BACKFILL_CASES + OTHER_CASES + i, r.pick(real)))));
    }
    summarize('app.request()', answers);

    // Nothing was stored for a rejected request: job rows are exactly the accepted jobs.
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM jobs');
    const distinctAccepted = new Set(accepted).size;
    report.verify(rows[0]!.n === distinctAccepted, `${rows[0]!.n} job rows = ${distinctAccepted} distinct accepted jobs (no row from a rejected request)`);
    const after = await app.request('/healthz');
    report.verify(after.status === 200, `app still serves /healthz after the fuzz (${after.status})`);
    report.verify(problems.length === 0, `${answers.length} answers: ${problems.length} problems${problems.length ? `; first: ${problems.slice(0, 8).join(' | ')}` : ''}`);
    for (const p of problems.slice(0, 30)) report.fail(p);
    expect(answers.length).toBeGreaterThanOrEqual(1_000);
    expect(problems).toEqual([]);
    expect(rows[0]!.n).toBe(distinctAccepted);
  });

  it(`real HTTP: ${HTTP_SLICE} cases and raw-socket abuse against the API process, which keeps serving`, async () => {
    const { stack, report } = s;
    await stack.startApi();
    const port = Number(new URL(stack.apiUrl).port);
    const r = rng(s.seed ^ 0x5eed);
    report.inject(`fuzz seed ${s.seed ^ 0x5eed}: ${HTTP_SLICE} cases over real HTTP to the API process`);
    const problems: string[] = [];
    const answers: Answer[] = [];
    let prev: FuzzCase | undefined;
    for (let n = 0; n < HTTP_SLICE; n++) {
      const c = n % 4 === 3 ? otherRouteCase(r, n, []) : backfillCase(r, n);
      const before = prev;
      prev = c;
      const t0 = Date.now();
      try {
        const res = await fetch(`${stack.apiUrl}${c.path}`, { method: c.method, headers: c.headers, body: c.body as BodyInit | undefined, signal: AbortSignal.timeout(CASE_TIMEOUT_MS) });
        const a = { c, status: res.status, text: await res.text(), ms: Date.now() - t0 };
        answers.push(a);
        judge(a, problems);
        if (a.status >= 200 && a.status < 300 && c.kind.startsWith('grammar')) await validateAccepted(a, problems);
      } catch (e) {
        const err = e as Error;
        const last = answers[answers.length - 1];
        problems.push(`no answer (${err.name}: ${(err.cause as Error)?.message ?? err.message}) for ${describeCase(c)} (on a reused connection? the request before was ${before ? describeCase(before) : 'none'}, answered ${last?.c === before ? last?.status : 'nothing'})`);
      }
    }
    summarize('real HTTP', answers);

    // Requests fetch will not send: broken framing, lies about length, junk, slow and abandoned bodies.
    const rawCases: Array<[string, string]> = [
      ['Content-Length larger than the body, then close', `POST /api/v1/backfill HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"symbols":["AAPL"]`],
      ['broken chunked encoding', `POST /api/v1/backfill HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n{}\r\n0\r\n\r\n`],
      ['both Content-Length and chunked', `POST /api/v1/backfill HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`],
      ['header injection attempt', `GET /api/v1/backfill/recent HTTP/1.1\r\nHost: x\r\nX-Test: a\rb\r\n\r\n`],
      ['non-HTTP junk', `\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003${randomBytes(32).toString('binary')}\r\n\r\n`],
      ['huge header', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(100_000)}\r\n\r\n`],
      ['declared 100 MB body', `POST /api/v1/backfill HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{"symbols":`],
    ];
    for (const [label, data] of rawCases) {
      const line = await raw(port, data, 3_000);
      const code = Number(/^HTTP\/1\.[01] (\d{3})/.exec(line)?.[1] ?? 0);
      const ok = code === 0 || (code >= 400 && code < 500);
      report.verify(ok, `raw: ${label}: ${line || 'closed'}`);
      if (!ok) problems.push(`raw ${label}: ${line}`);
    }

    const health = await stack.http('GET', '/healthz');
    const valid = await stack.http('POST', '/api/v1/backfill', { body: JSON.stringify({ symbols: ['AAPL'], start_date: '2024-01-02', end_date: '2024-01-05', timeframes: ['1d'] }) });
    report.verify(health.status === 200 && valid.status === 202, `after the abuse the process still serves: /healthz ${health.status}, a valid POST ${valid.status}`);
    report.verify(stack.api!.running && stack.api!.unexpectedExits.length === 0, 'the API process never exited');
    report.verify(problems.length === 0, `${answers.length} HTTP answers + ${rawCases.length} raw cases: ${problems.length} problems${problems.length ? `; first: ${problems.slice(0, 5).join(' | ')}` : ''}`);
    expect(problems).toEqual([]);
    expect(health.status).toBe(200);
    expect(valid.status).toBe(202);
    expect(stack.api!.unexpectedExits).toEqual([]);
  });
});
