// The CLI as a user runs it: `node bin/backfill.mjs ...` as a real process against the real API
// (HTTP), an in-process worker and the Polygon simulator. Asserts outputs and exit codes, and
// records the session (.artifacts/cli-session.txt; UPDATE_DOCS=1 also writes docs/cli-session.txt).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { startStack, type Stack } from '../dashboard/stack.js';
import { cliRunner, ROOT, type CliRunner } from './run-cli.js';

const LOCKED = 'LOCKD';
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

/** A loopback port nothing listens on (one just released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

let stack: Stack;
let cli: CliRunner;
let jobId = '';
let anyFailed = false;

beforeAll(async () => {
  stack = await startStack({ label: 'cli', faults: { notAuthorizedTickers: [LOCKED] } });
  cli = cliRunner(stack.url);
});

afterEach(({ task }) => {
  if (task.result?.state === 'fail') anyFailed = true;
});

afterAll(async () => {
  if (cli?.transcript.length) {
    const text = [
      '# A recorded session of the backfill CLI (written by test/cli/e2e.test.ts against the real API,',
      `# a worker and the Polygon simulator; the ticker ${LOCKED} is "not entitled" until the plan is fixed).`,
      '# Output is not a terminal here, so watch prints one line per change instead of a live bar.',
      '',
      ...cli.transcript,
    ].join('\n');
    mkdirSync(`${ROOT}.artifacts`, { recursive: true });
    writeFileSync(`${ROOT}.artifacts/cli-session.txt`, text);
    const docs = `${ROOT}docs/cli-session.txt`;
    // Only a session in which every test passed is worth showing in the README.
    if (!anyFailed && (process.env.UPDATE_DOCS === '1' || !existsSync(docs))) {
      mkdirSync(`${ROOT}docs`, { recursive: true });
      writeFileSync(docs, text);
    }
  }
  await stack?.close();
});

describe('backfill CLI as a process against the real API', () => {
  it('prints its usage', async () => {
    const r = await cli.run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backfill: start, watch and steer/);
    expect(r.stdout).toContain('backfill watch <job>');
  });

  it('start --watch follows a job to completed_with_errors, names the failed units, exits 2', async () => {
    const r = await cli.run(['start', '--symbols', `AAPL,MSFT,${LOCKED}`, '--start', '2024-01-02', '--end', '2024-03-28', '--timeframes', '1d,1h', '--watch']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(2);
    jobId = UUID.exec(r.stdout)![0];
    expect(r.stdout).toContain(`Started job ${jobId}`);
    expect(r.stdout).toContain('3 symbols × 1d,1h = 6 units  2024-01-02 → 2024-03-28  adjusted');
    expect(r.stdout).toMatch(/^\[\d\d:\d\d:\d\d\] {2}completed_with_errors {2}100\.0% {2}units 4\/6 completed, 2 failed/m);
    expect(r.stdout).toMatch(new RegExp(`failures\\s+${LOCKED} 1[dh]  not_entitled  not entitled \\(HTTP 403\\)`));
    expect(r.stdout).toContain(`backfill retry ${jobId}`);
  });

  it('status shows the job; --json gives the API document', async () => {
    const r = await cli.run(['status', jobId]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^job\\s+${jobId}\\s+completed_with_errors`));
    expect(r.stdout).toMatch(/units\s+4\/6 completed · 2 failed/);
    expect(r.stdout).toMatch(/bars\s+[\d,]+ fetched · [\d,]+ new/);
    const j = await cli.run(['status', jobId, '--json'], { transcriptLines: 14 });
    expect(j.code).toBe(0);
    const doc = JSON.parse(j.stdout);
    expect(doc).toMatchObject({ job_id: jobId, status: 'completed_with_errors', units: { total: 6, completed: 4, failed: 2 } });
    expect(doc.failures.map((f: { symbol: string }) => f.symbol)).toEqual([LOCKED, LOCKED]);
  });

  it('recent lists it', async () => {
    const r = await cli.run(['recent', '--limit', '5']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^JOB\s+STATUS\s+PROGRESS\s+UNITS/);
    expect(lines[1]).toMatch(new RegExp(`^${jobId}\\s+completed_with_errors\\s+100\\.0%\\s+6\\s+AAPL,MSFT,${LOCKED}\\s+1d,1h`));
  });

  it('plan prints the dry run (requests per unit, totals) and starts no job', async () => {
    const r = await cli.run(['plan', '--symbols', 'AAPL,X:BTCUSD', '--start', '2024-01-02', '--end', '2024-03-29', '--timeframes', '1m']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Plan \(dry run: nothing started\)\s+2024-01-02 → 2024-03-29\s+adjusted\s+page limit 50,000/);
    expect(r.stdout).toMatch(/AAPL\s+1m\s+XNYS\s+per_ticker\s+2\s+2\s+61\s+0\s+58,560/);
    expect(r.stdout).toMatch(/X:BTCUSD\s+1m\s+CRYPTO\s+per_ticker\s+3\s+3\s+88/);
    expect(r.stdout).toContain('2 units: 5 Polygon requests (floor 5), 149 sessions to fetch, 0 already held');
    expect(r.stdout).toMatch(/measured\s+\S+ at [\d.]+ requests\/s \(measured over the last \d+ jobs?\)/);
    const j = await cli.run(['plan', '--symbols', 'AAPL', '--start', '2024-01-02', '--end', '2024-03-29', '--timeframes', '1m', '--json'], { transcriptLines: 6 });
    expect(JSON.parse(j.stdout)).toMatchObject({ dry_run: true, total: { units: 1, requests: 2 } });
    const recent = await cli.run(['recent', '--limit', '5']);
    expect(recent.stdout.trim().split('\n')[1]).toMatch(new RegExp(`^${jobId}\\s`));
  });

  it('retry --watch requeues the failed units once the cause is fixed and ends completed, exit 0', async () => {
    stack.sim.setOptions({ faults: { notAuthorizedTickers: [] } });
    const r = await cli.run(['retry', jobId, '--watch']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Requeued 2 failed units of job ${jobId}: ${LOCKED} 1[dh], ${LOCKED} 1[dh]`));
    expect(r.stdout).toMatch(/units 6\/6 completed/);
    expect(r.stdout).toContain(`Job ${jobId} completed in`);
    const again = await cli.run(['retry', jobId]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^backfill: .*(HTTP 409 conflict)/);
  });

  it('pause, resume and cancel steer a running job; watch then exits 3', async () => {
    stack.sim.setOptions({ latencyMs: 300 });
    const symbols = Array.from({ length: 40 }, (_, i) => `Q${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`);
    const started = await cli.run(['start', '--symbols', symbols.join(','), '--start', '2024-01-02', '--end', '2024-01-31', '--concurrency', '1', '--idempotency-key', 'cli-e2e-slow', '--json'], {
      transcriptLines: 4,
    });
    expect(started.code).toBe(0);
    const job = JSON.parse(started.stdout);
    expect(job).toMatchObject({ status: 'pending', units_total: 40, concurrency: 1 });
    // The same idempotency key gives back the same job.
    const replay = await cli.run(['start', '--symbols', symbols.join(','), '--start', '2024-01-02', '--end', '2024-01-31', '--concurrency', '1', '--idempotency-key', 'cli-e2e-slow']);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(`Already started job ${job.job_id}`);

    const paused = await cli.run(['pause', job.job_id]);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toBe(`Job ${job.job_id} paused: paused\n`);
    const resumed = await cli.run(['resume', job.job_id]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`^Job ${job.job_id} resumed: (running|pending)\\n$`));
    const cancelled = await cli.run(['cancel', job.job_id]);
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toBe(`Job ${job.job_id} is cancelling; backfill watch ${job.job_id} shows it end\n`);
    const watched = await cli.run(['watch', job.job_id]);
    expect(watched.code).toBe(3);
    expect(watched.stdout).toMatch(new RegExp(`Job ${job.job_id} cancelled in`));
    expect(watched.stdout).toMatch(/cancelled/);
    stack.sim.setOptions({ latencyMs: 0 });
  });

  it('explains bad input, unknown jobs, unknown commands and an unreachable API, exit 1', async () => {
    const bad = await cli.run(['start', '--symbols', 'AAPL', '--start', '2024-13-01', '--end', '2024-03-01']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toMatch(/^backfill: start_date: .*\(HTTP 400 invalid_request\)\n {2}field: start_date \(set with --start\)\n$/);

    const badTicker = await cli.run(['start', '--symbols', 'AAPL,not a ticker!', '--start', '2024-01-02', '--end', '2024-01-03']);
    expect(badTicker.code).toBe(1);
    expect(badTicker.stderr).toMatch(/field: symbols \(set with --symbols\)/);

    const unknown = await cli.run(['status', '00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^backfill: .*not found \(HTTP 404 not_found\)\n$/);

    const typo = await cli.run(['stauts', jobId], { transcriptLines: 3 });
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/^backfill: unknown command "stauts"\n\nbackfill: start, watch and steer/);

    const port = await closedPort();
    const down = await cli.run(['recent', '--api-url', `http://127.0.0.1:${port}`]);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      `backfill: cannot reach the backfill API at http://127.0.0.1:${port} (ECONNREFUSED)\n  Is the API running? Point the CLI at it with --api-url or BACKFILL_API_URL.\n`,
    );
  });
});
