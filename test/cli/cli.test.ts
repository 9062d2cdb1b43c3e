/* eslint-disable no-control-regex -- these tests check the ANSI escapes the CLI writes */
// The CLI in-process (runCli) against the fake API: every command, its text and JSON output, exit
// codes and error messages. Output streams, fetch, clock and sleep are injected; nothing is global.
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../src/cli/main.js';
import { USAGE } from '../../src/cli/usage.js';
import { createFakeApi, type FakeApiOptions } from './fake-api.js';

const API = 'http://api.test';

function harness(opts: FakeApiOptions & { tty?: boolean; columns?: number; env?: Record<string, string> } = {}) {
  const fake = createFakeApi(opts);
  let clock = Date.parse('2024-05-01T10:00:00Z');
  const out: string[] = [];
  const err: string[] = [];
  const requests: Array<{ method: string; url: string; headers: Headers; body: string | null }> = [];
  const io: CliIo = {
    env: { BACKFILL_API_URL: API, ...opts.env },
    stdout: { write: (s: string) => out.push(s), isTTY: opts.tty ?? false, columns: opts.columns ?? 160 },
    stderr: { write: (s: string) => err.push(s), isTTY: false },
    fetch: async (input, init) => {
      requests.push({ method: init?.method ?? 'GET', url: input, headers: new Headers(init?.headers), body: (init?.body as string) ?? null });
      return fake.app.request(input, init);
    },
    now: () => clock,
    sleep: async (ms) => {
      clock += ms;
    },
  };
  return {
    fake,
    requests,
    run: (...argv: string[]) => runCli(argv, io),
    stdout: () => out.join(''),
    stderr: () => err.join(''),
    clear() {
      out.length = 0;
      err.length = 0;
    },
  };
}

const START = ['start', '--symbols', 'AAPL,MSFT', '--start', '2024-01-02', '--end', '2024-03-28', '--timeframes', '1d,1h'];

describe('backfill CLI (in-process, fake API)', () => {
  it('starts a job with the API body and idempotency key, and says how to follow it', async () => {
    const h = harness();
    expect(await h.run(...START, '--no-adjusted', '--concurrency', '3', '--idempotency-key', 'abc')).toBe(0);
    const req = h.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.url).toBe(`${API}/api/v1/backfill`);
    expect(req.headers.get('idempotency-key')).toBe('abc');
    expect(JSON.parse(req.body!)).toEqual({
      symbols: ['AAPL', 'MSFT'],
      start_date: '2024-01-02',
      end_date: '2024-03-28',
      timeframes: ['1d', '1h'],
      adjusted: false,
      concurrency: 3,
    });
    expect(h.stdout()).toMatch(/^Started job 00000000-0000-4000-8000-000000000001 {2}pending\n/);
    expect(h.stdout()).toContain('2 symbols × 1d,1h = 4 units  2024-01-02 → 2024-03-28  unadjusted  concurrency 3');
    expect(h.stdout()).toContain('follow it: backfill watch 00000000-0000-4000-8000-000000000001');
  });

  it('passes --reprocess to the API as reprocess, for start and plan alike', async () => {
    const h = harness();
    expect(await h.run(...START, '--reprocess', 'all')).toBe(0);
    expect(JSON.parse(h.requests[0]!.body!)).toMatchObject({ reprocess: 'all' });
    const p = harness();
    await p.run('plan', '--symbols', 'AAPL', '--start', '2024-01-02', '--end', '2024-03-28', '--reprocess', 'missing');
    expect(JSON.parse(p.requests[0]!.body!)).toMatchObject({ reprocess: 'missing', dry_run: true });
    // Without the flag the API's default applies: the field is not sent.
    const d = harness();
    await d.run(...START);
    expect(JSON.parse(d.requests[0]!.body!)).not.toHaveProperty('reprocess');
  });

  it('prints raw JSON with --json', async () => {
    const h = harness();
    expect(await h.run(...START, '--json')).toBe(0);
    const job = JSON.parse(h.stdout());
    expect(job).toMatchObject({ job_id: expect.any(String), status: 'pending', symbols_count: 2, units_total: 4 });
    h.clear();
    expect(await h.run('recent', '--json')).toBe(0);
    expect(JSON.parse(h.stdout()).jobs).toHaveLength(1);
  });

  it('watches to completion with plain lines off a terminal, exit 0', async () => {
    const h = harness();
    expect(await h.run(...START, '--watch')).toBe(0);
    const lines = h.stdout().split('\n');
    const progress = lines.filter((l) => /^\[\d\d:\d\d:\d\d\]/.test(l));
    expect(progress.length).toBeGreaterThanOrEqual(4);
    expect(progress.at(-1)).toContain('completed  100.0%  units 4/4 completed');
    expect(h.stdout()).toMatch(/Job \S+ completed in \d+s/);
    expect(h.stdout()).not.toMatch(/\x1b\[/);
  });

  it('watch --json keeps stdout for the final JSON and sends live lines to stderr', async () => {
    const h = harness();
    await h.run(...START);
    const job = /job (\S+)/.exec(h.stdout())![1]!;
    h.clear();
    expect(await h.run('watch', job, '--json')).toBe(0);
    expect(JSON.parse(h.stdout())).toMatchObject({ job_id: job, status: 'completed', units: { completed: 4 } });
    expect(h.stderr()).toMatch(/^\[\d\d:\d\d:\d\d\] {2}running/m);
    expect(h.stderr()).toContain(`Job ${job} completed in`);
  });

  it('draws one live line on a terminal, with colour, bar, rate and time left', async () => {
    const h = harness({ tty: true, columns: 150 });
    expect(await h.run(...START, '--watch')).toBe(0);
    const out = h.stdout();
    expect(out).toContain('\r\x1b[2K');
    expect(out).toMatch(/\x1b\[36mrunning/);
    expect(out).toContain('bars/s');
    expect(out).toMatch(/left \d+s/);
    expect(out).toMatch(/█/);
    // The redrawn line ends with a newline before the summary.
    expect(out).toMatch(/\n\x1b\[1mJob \S+\x1b\[22m \x1b\[32mcompleted/);
  });

  it('exits 2 when units failed and names them; retry --watch then completes with 0', async () => {
    const h = harness({ failing: ['LOCKD'] });
    expect(await h.run('start', '--symbols', 'AAPL,LOCKD', '--start', '2024-01-02', '--end', '2024-01-31', '--watch')).toBe(2);
    expect(h.stdout()).toContain('completed_with_errors');
    expect(h.stdout()).toContain("LOCKD 1d  not_entitled  Your plan doesn't include this data timeframe (LOCKD)");
    const job = /Job (\S+) completed_with_errors/.exec(h.stdout())![1]!;
    expect(h.stdout()).toContain(`backfill retry ${job}`);
    h.fake.heal();
    h.clear();
    expect(await h.run('retry', job, '--watch')).toBe(0);
    expect(h.stdout()).toContain(`Requeued 1 failed unit of job ${job}: LOCKD 1d`);
    expect(h.stdout()).toMatch(/Job \S+ completed in/);
  });

  it('exits 3 when the watched job is cancelled', async () => {
    const h = harness({ step: 0 });
    await h.run(...START);
    const job = /job (\S+)/.exec(h.stdout())![1]!;
    h.clear();
    expect(await h.run('cancel', job)).toBe(0);
    expect(h.stdout()).toBe(`Job ${job} is cancelling; backfill watch ${job} shows it end\n`);
    h.clear();
    expect(await h.run('watch', job)).toBe(3);
    expect(h.stdout()).toContain('cancelled');
  });

  it('pauses and resumes, and answers 409s with the API message', async () => {
    const h = harness({ step: 0 });
    await h.run(...START);
    const job = /job (\S+)/.exec(h.stdout())![1]!;
    h.clear();
    expect(await h.run('pause', job)).toBe(0);
    expect(h.stdout()).toBe(`Job ${job} paused: paused\n`);
    h.clear();
    expect(await h.run('resume', job)).toBe(0);
    expect(h.stdout()).toContain(`Job ${job} resumed`);
    h.clear();
    expect(await h.run('resume', job)).toBe(1);
    expect(h.stderr()).toBe('backfill: the job is not paused (HTTP 409 conflict)\n');
  });

  it('shows status and a recent table', async () => {
    const h = harness({ failing: ['LOCKD'] });
    await h.run('start', '--symbols', 'AAPL,LOCKD', '--start', '2024-01-02', '--end', '2024-01-31', '--watch');
    const job = /Job (\S+) completed_with_errors/.exec(h.stdout())![1]!;
    h.clear();
    expect(await h.run('status', job)).toBe(0);
    expect(h.stdout()).toMatch(/^job\s+\S+\s+completed_with_errors/);
    expect(h.stdout()).toMatch(/units\s+1\/2 completed · 1 failed/);
    expect(h.stdout()).toMatch(/failures\s+LOCKD 1d {2}not_entitled/);
    h.clear();
    expect(await h.run('recent', '--limit', '5', '--status', 'completed_with_errors')).toBe(0);
    const [head, row] = h.stdout().split('\n');
    expect(head).toMatch(/^JOB\s+STATUS\s+PROGRESS\s+UNITS\s+SYMBOLS\s+TIMEFRAMES\s+RANGE\s+CREATED$/);
    expect(row).toContain(job);
    expect(row).toContain('AAPL,LOCKD');
    expect(h.requests.at(-1)!.url).toBe(`${API}/api/v1/backfill/recent?limit=5&status=completed_with_errors`);
    h.clear();
    expect(await h.run('recent', '--status', 'failed')).toBe(0);
    expect(h.stdout()).toBe('no failed jobs\n');
  });

  it('maps an API field error back to the flag that set it', async () => {
    const h = harness();
    expect(await h.run('start', '--symbols', 'AAPL', '--start', '2024-02-01', '--end', '2024-01-01')).toBe(1);
    expect(h.stderr()).toBe('backfill: start_date: must not be after end_date (HTTP 400 invalid_request)\n  field: start_date (set with --start)\n');
  });

  it('sends the key from the environment or flag, and explains a 401', async () => {
    const h = harness({ apiKeys: ['s3cret'] });
    expect(await h.run('recent')).toBe(1);
    expect(h.stderr()).toContain('missing or invalid API key (HTTP 401 unauthorized)');
    expect(h.stderr()).toContain('pass --api-key or set BACKFILL_API_KEY');
    h.clear();
    expect(await h.run('recent', '--api-key', 's3cret')).toBe(0);
    expect(h.requests.at(-1)!.headers.get('authorization')).toBe('Bearer s3cret');
    const e = harness({ apiKeys: ['s3cret'], env: { BACKFILL_API_KEY: 's3cret' } });
    expect(await e.run('recent')).toBe(0);
  });

  it('says when the API cannot be reached', async () => {
    const err: string[] = [];
    const code = await runCli(['status', 'x'], {
      env: {},
      stdout: { write: () => true },
      stderr: { write: (s: string) => err.push(s) },
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
      },
      now: Date.now,
      sleep: async () => undefined,
    });
    expect(code).toBe(1);
    expect(err.join('')).toBe(
      'backfill: cannot reach the backfill API at http://127.0.0.1:8000 (ECONNREFUSED)\n  Is the API running? Point the CLI at it with --api-url or BACKFILL_API_URL.\n',
    );
  });

  it.each([
    [['frobnicate'], 'unknown command "frobnicate"'],
    [['status'], 'status needs a job id: backfill status <job>'],
    [['status', 'a', 'b'], 'status takes one job id, got also: b'],
    [['start', '--symbols', 'AAPL'], 'start needs --start, --end'],
    [['recent', '--symbols', 'AAPL'], 'recent does not take --symbols'],
    [['watch', 'j', '--interval', 'soon'], '--interval must be a positive number, got "soon"'],
  ])('bad usage %j: message, usage text, exit 1, no request', async (argv, message) => {
    const h = harness();
    expect(await h.run(...argv)).toBe(1);
    expect(h.stderr()).toBe(`backfill: ${message}\n\n${USAGE}`);
    expect(h.requests).toEqual([]);
  });

  it('prints usage for help, and to stderr with exit 1 for no command', async () => {
    const h = harness();
    expect(await h.run('--help')).toBe(0);
    expect(h.stdout()).toBe(USAGE);
    h.clear();
    expect(await h.run()).toBe(1);
    expect(h.stderr()).toBe(USAGE);
  });

  it('stops watching on Ctrl-C with exit 130, leaving the job alone', async () => {
    const h = harness({ step: 0 });
    await h.run(...START);
    const job = /job (\S+)/.exec(h.stdout())![1]!;
    const abort = new AbortController();
    const err: string[] = [];
    let polls = 0;
    const code = await runCli(['watch', job], {
      env: { BACKFILL_API_URL: API },
      stdout: { write: () => true },
      stderr: { write: (s: string) => err.push(s) },
      fetch: async (input, init) => {
        if (++polls === 3) abort.abort();
        return h.fake.app.request(input, init);
      },
      now: Date.now,
      sleep: async () => undefined,
      signal: abort.signal,
    });
    expect(code).toBe(130);
    expect(err.join('')).toContain(`stopped watching; job ${job} goes on`);
    expect(h.fake.jobs.get(job)!.status).not.toBe('cancelled');
  });

  it('keeps watching through a short API outage', async () => {
    const h = harness();
    await h.run(...START);
    const job = /job (\S+)/.exec(h.stdout())![1]!;
    const out: string[] = [];
    let calls = 0;
    const code = await runCli(['watch', job], {
      env: { BACKFILL_API_URL: API },
      stdout: { write: (s: string) => out.push(s) },
      stderr: { write: () => true },
      fetch: async (input, init) => {
        if (++calls === 2 || calls === 3) throw new TypeError('fetch failed', { cause: { code: 'ECONNRESET' } });
        return h.fake.app.request(input, init);
      },
      now: Date.now,
      sleep: async () => undefined,
    });
    expect(code).toBe(0);
    expect(out.join('')).toContain('waiting for the API: cannot reach the backfill API at http://api.test (ECONNRESET)');
  });
});
