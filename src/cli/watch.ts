// `watch`: polls the job's status until it is final, drawing a live progress line on a terminal
// or printing a line per change otherwise, then the summary. Clock, sleep and output are injected.
import { ApiError, UnreachableError, type ApiClient } from './client.js';
import { paint, type Style } from './format.js';
import { progressFingerprint, renderPlainLine, renderProgressLine, renderSummary } from './render.js';
import { FINAL_JOB_STATUSES, type StatusResponse } from './types.js';

export interface WatchOutput {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface WatchOptions {
  client: ApiClient;
  jobId: string;
  out: WatchOutput;
  style: Style;
  intervalMs: number;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Aborted by Ctrl-C: stop watching (the job goes on). */
  signal?: AbortSignal;
  /** How long the API may stay unreachable before giving up; default 60 s. */
  outageLimitMs?: number;
  /** Plain mode: print an unchanged line again after this long; default 30 s. */
  heartbeatMs?: number;
  /**
   * After an action that reopens a finished job (retry), a final status seen within this long of
   * the start is taken as stale until the job has been seen unfinished. Default 0.
   */
  settleGraceMs?: number;
}

export type WatchResult = { kind: 'final'; status: StatusResponse } | { kind: 'interrupted'; status: StatusResponse | null };

/**
 * Final and settled: a job that reads `completed_with_errors` while units are still queued or
 * running is being retried, not done.
 */
export function isSettled(s: StatusResponse): boolean {
  if (!FINAL_JOB_STATUSES.includes(s.status)) return false;
  if (s.status !== 'completed_with_errors') return true;
  return (s.units?.pending ?? 0) + (s.units?.running ?? 0) === 0;
}

/** 0 completed, 2 completed with errors or failed, 3 cancelled. */
export function exitCodeForStatus(status: string): number {
  if (status === 'completed') return 0;
  if (status === 'cancelled') return 3;
  return 2;
}

export async function watchJob(o: WatchOptions): Promise<WatchResult> {
  const tty = Boolean(o.out.isTTY);
  const outageLimit = o.outageLimitMs ?? 60_000;
  const heartbeat = o.heartbeatMs ?? 30_000;
  let last: StatusResponse | null = null;
  let lastPrint = '';
  let lastPrintAt = 0;
  let outageSince: number | null = null;
  let drawn = false;
  const startedAt = o.now();
  let seenUnfinished = false;

  const draw = (line: string) => {
    if (tty) {
      o.out.write(`\r\x1b[2K${line}`);
      drawn = true;
    } else {
      o.out.write(`${line}\n`);
    }
  };
  const endLine = () => {
    if (tty && drawn) o.out.write('\n');
    drawn = false;
  };

  for (;;) {
    if (o.signal?.aborted) {
      endLine();
      return { kind: 'interrupted', status: last };
    }
    let s: StatusResponse | null = null;
    try {
      s = await o.client.status(o.jobId);
      outageSince = null;
    } catch (err) {
      const transient = err instanceof UnreachableError || (err instanceof ApiError && (err.status >= 500 || err.status === 429));
      if (!transient) {
        endLine();
        throw err;
      }
      const t = o.now();
      outageSince ??= t;
      if (t - outageSince > outageLimit) {
        endLine();
        throw err;
      }
      draw(paint(o.style, 'yellow', `waiting for the API: ${(err as Error).message}`));
    }
    if (s) {
      last = s;
      const settled = isSettled(s);
      if (!settled) seenUnfinished = true;
      const stale = settled && !seenUnfinished && o.now() - startedAt < (o.settleGraceMs ?? 0);
      if (settled && !stale) {
        if (tty) draw(renderProgressLine(s, o.style, o.out.columns ?? 100));
        else draw(renderPlainLine(s, o.now()));
        endLine();
        o.out.write(`${renderSummary(s, o.style, o.now())}\n`);
        return { kind: 'final', status: s };
      }
      if (tty) {
        draw(renderProgressLine(s, o.style, o.out.columns ?? 100));
      } else {
        const fp = progressFingerprint(s);
        if (fp !== lastPrint || o.now() - lastPrintAt >= heartbeat) {
          draw(renderPlainLine(s, o.now()));
          lastPrint = fp;
          lastPrintAt = o.now();
        }
      }
    }
    try {
      await o.sleep(o.intervalMs, o.signal);
    } catch {
      /* aborted: handled at the top of the loop */
    }
  }
}
