// What a schedule's action carries and what its run answers, defined once: the API writes the
// action's input, TopUpWorkflow and the planTopUp activity read it, the API reads it back.
// Pure types and string helpers: part of the workflow bundle.
import type { BackfillInput, WebhookTarget } from './messages.js';

/** The Temporal Schedule of a product schedule: `backfill-schedule-<id>` (the id is the schedule's name). */
export const SCHEDULE_ID_PREFIX = 'backfill-schedule-';
export const temporalScheduleId = (id: string): string => `${SCHEDULE_ID_PREFIX}${id}`;
/** The product id of a Temporal Schedule id, or null when the schedule is not one of ours. */
export const scheduleIdOf = (temporalId: string): string | null =>
  temporalId.startsWith(SCHEDULE_ID_PREFIX) && temporalId.length > SCHEDULE_ID_PREFIX.length ? temporalId.slice(SCHEDULE_ID_PREFIX.length) : null;
/** The action's workflow id; Temporal appends the scheduled time to it for each run. */
export const topUpWorkflowIdFor = (id: string): string => `${temporalScheduleId(id)}-run`;

/** The input of every run of a schedule: the action's args[0], changed by PATCH. */
export interface TopUpInput {
  /** The product id (`<id>` of backfill-schedule-<id>). */
  scheduleId: string;
  symbols: string[];
  timeframes: string[];
  adjusted: boolean;
  /** How many completed sessions back a run looks for sessions that are missing or not final. */
  lookbackSessions: number;
  concurrency: number;
  /**
   * The spec as the API was given it (a cron line or a preset, and its time zone), for display:
   * Temporal keeps only the compiled calendar.
   */
  specText?: { spec: string; timeZone: string };
  /** Passed to every run's job as its `webhook` (told when the job ends). */
  webhook?: WebhookTarget;
}

export interface PlanTopUpInput extends TopUpInput {
  /** The job id the run uses (uuid4 from the workflow, so a retried activity makes the same job). */
  jobId: string;
  /** When the run was scheduled for (ISO): the range is computed from it, not from now. */
  scheduledAt: string;
}

/** What one run decided: a job over the sessions that need fetching, or nothing to do. */
export type TopUpPlan =
  | { kind: 'job'; input: BackfillInput; workflowId: string; window: { start: string; end: string } }
  | { kind: 'up_to_date'; window: { start: string; end: string } };

export interface TopUpResult {
  scheduledAt: string;
  /** Null when every session of the lookback window was already final. */
  jobId: string | null;
  window: { start: string; end: string };
  /** The job's range (from the oldest missing or non-final session to the last completed one). */
  range: { start: string; end: string } | null;
}
