// How much a job will ask of Polygon before it is started, from the planner (src/planner): the
// requests of every unit on its symbol's calendar, and how long they take at the configured rate
// limit. The same numbers `GET /plan`-style callers get; the POST answers with them and refuses a
// job past JOB_MAX_ESTIMATED_HOURS unless told to go ahead.
import type { CalendarSet } from '../calendar/index.js';
import { planBackfill, type Plan } from '../planner/index.js';
import type { FetchStrategy } from '../../workflows/vocabulary.js';

export interface JobEstimate {
  requests: number;
  /** At POLYGON_RATE_LIMIT_RPM; null when no limit is configured (the estimate then has no time). */
  seconds: number | null;
  rateLimitRpm: number | null;
}

export function estimateJob(
  job: { symbols: readonly string[]; timeframes: readonly string[]; startDate: string; endDate: string; strategy?: FetchStrategy },
  opts: { pageLimit: number; rateLimitRpm: number; calendars: CalendarSet },
): JobEstimate {
  const plan = planBackfill(
    { symbols: job.symbols, timeframes: job.timeframes, start_date: job.startDate, end_date: job.endDate, limit: opts.pageLimit, rpm: opts.rateLimitRpm, strategy: job.strategy },
    opts.calendars,
  );
  return { requests: plan.total.requests, seconds: plan.duration_seconds, rateLimitRpm: opts.rateLimitRpm > 0 ? opts.rateLimitRpm : null };
}

/** The estimate of a plan already made (the POST plans once, with what the ledger holds). */
export function estimateOfPlan(plan: Plan): JobEstimate {
  return { requests: plan.total.requests, seconds: plan.duration_seconds, rateLimitRpm: plan.rate_limit_rpm > 0 ? plan.rate_limit_rpm : null };
}

/** "2.4 years", "3.1 days", "5.0 hours", "12 minutes": the size of an estimate at a glance. */
export function roughDuration(seconds: number): string {
  const h = seconds / 3600;
  if (h >= 24 * 365) return `${(h / (24 * 365)).toFixed(1)} years`;
  if (h >= 48) return `${(h / 24).toFixed(1)} days`;
  if (h >= 1) return `${h.toFixed(1)} hours`;
  return `${Math.max(1, Math.round(seconds / 60))} minutes`;
}
