-- A job started by a schedule's run names its schedule (the id in backfill-schedule-<id>), so the
-- schedule's view lists what its runs did. The schedule itself lives in Temporal (its truth);
-- there is no schedules table to drift from it.
ALTER TABLE jobs ADD COLUMN schedule_id text;
CREATE INDEX jobs_schedule_recent_idx ON jobs (schedule_id, created_at DESC, job_id) WHERE schedule_id IS NOT NULL;
