// Questions the API asks of a job's status, answered from the one vocabulary.
import { FINAL_JOB_STATUSES, RESTARTABLE_JOB_STATUSES, type JobStatus } from '../../workflows/vocabulary.js';

/** Stopped for good (until a retry restarts it). */
export const isFinal = (s: JobStatus): boolean => (FINAL_JOB_STATUSES as readonly JobStatus[]).includes(s);

/** A closed job with failures: `/retry` restarts its workflow. */
export const isRestartable = (s: JobStatus): boolean => (RESTARTABLE_JOB_STATUSES as readonly JobStatus[]).includes(s);
