// The bench talks to the product only as a user would: POST a job, poll its status.
import { hrMs, sleep } from './stats.js';
import { FINAL_JOB_STATUSES } from '../workflows/vocabulary.js';

export interface BackfillRequest {
  symbols: string[];
  start_date: string;
  end_date: string;
  timeframes: string[];
  adjusted: boolean;
  concurrency: number;
  /** The bench measures fetching and writing: every job fetches its whole range (`all`) unless it says `missing`. */
  reprocess?: 'missing' | 'all';
  /** Jobs that measure one activity per unit say `per_ticker` (auto would fetch their 1d units grouped). */
  strategy?: 'auto' | 'per_ticker' | 'grouped';
}

export interface JobStatus {
  job_id: string;
  status: string;
  total_records_fetched?: number;
  total_records_inserted?: number;
  units?: Record<string, number>;
  [k: string]: unknown;
}

export const FINAL_STATUSES: ReadonlySet<string> = new Set(FINAL_JOB_STATUSES);

export async function postBackfill(apiUrl: string, body: BackfillRequest): Promise<string> {
  const res = await fetch(`${apiUrl}/api/v1/backfill`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // Runs repeat ranges over a ledger that TRUNCATE bars leaves in place: without `all`, a repeated
    // job would skip every day and measure nothing.
    body: JSON.stringify({ reprocess: 'all', ...body }),
  });
  const text = await res.text();
  if (res.status !== 202 && res.status !== 200 && res.status !== 201) throw new Error(`POST /api/v1/backfill -> ${res.status}: ${text.slice(0, 500)}`);
  const json = JSON.parse(text) as { job_id?: string };
  if (!json.job_id) throw new Error(`POST /api/v1/backfill: no job_id in ${text.slice(0, 300)}`);
  return json.job_id;
}

export async function getStatus(apiUrl: string, jobId: string): Promise<JobStatus> {
  const res = await fetch(`${apiUrl}/api/v1/backfill/status/${jobId}`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET status -> ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as JobStatus;
}

export interface JobRun {
  jobId: string;
  final: JobStatus;
  /** From just before the POST to the first poll that saw a final status. */
  wallMs: number;
  /** When the POST was sent, on the bench's performance.now() clock. */
  t0: number;
}

/**
 * Starts a job and polls until it reaches a final status. Polling every `pollMs` (100 ms) bounds the
 * timing error at 100 ms and keeps the poller's own load on the API small (10 GETs a second).
 */
export async function runJob(
  apiUrl: string,
  body: BackfillRequest,
  opts: { pollMs?: number; timeoutMs?: number; onStarted?: (jobId: string) => void } = {},
): Promise<JobRun> {
  const t0 = hrMs();
  const jobId = await postBackfill(apiUrl, body);
  opts.onStarted?.(jobId);
  const deadline = t0 + (opts.timeoutMs ?? 30 * 60_000);
  for (;;) {
    const s = await getStatus(apiUrl, jobId).catch((e: Error) => ({ job_id: jobId, status: `error: ${e.message}` }) as JobStatus);
    if (FINAL_STATUSES.has(s.status)) return { jobId, final: s, wallMs: hrMs() - t0, t0 };
    if (hrMs() > deadline) throw new Error(`job ${jobId} still ${s.status} after ${Math.round((hrMs() - t0) / 1000)} s`);
    await sleep(opts.pollMs ?? 100);
  }
}
