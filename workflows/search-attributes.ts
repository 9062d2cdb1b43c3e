import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// The job's search attributes, defined once: the workflow upserts them, the API sets them at start,
// and src/temporal/search-attributes.ts registers them on the server (it re-exports these). They
// let users find jobs in the Temporal Web UI by id, size and status.
export const JOB_ID = defineSearchAttributeKey('BackfillJobId', SearchAttributeType.KEYWORD);
export const SYMBOLS_COUNT = defineSearchAttributeKey('BackfillSymbolsCount', SearchAttributeType.INT);
export const JOB_STATUS = defineSearchAttributeKey('BackfillStatus', SearchAttributeType.KEYWORD);

/** The schedule (the `<id>` of `backfill-schedule-<id>`) on the schedule itself and on every workflow its runs start. */
export const SCHEDULE_ID = defineSearchAttributeKey('BackfillScheduleId', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [JOB_ID, SYMBOLS_COUNT, JOB_STATUS, SCHEDULE_ID] as const;

/**
 * Temporal's own attribute on a workflow a schedule started: the time the run was scheduled for
 * (a past time in a schedule backfill), not when it started. Built in, so not registered.
 */
export const TEMPORAL_SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
