-- A unit's deadline is a budget for failing, not for working (issue 16): `last_progress_at` is the
-- no-progress clock. A unit's first attempt (and the first after a requeue) starts it, every
-- committed page resets it, and the time a unit spends waiting for the shared rate limiter pushes
-- it forward; an attempt that finds it older than UNIT_DEADLINE_SECONDS fails `deadline_exceeded`.
-- `pages_planned` is the number of requests the unit's range needs, known before its first page,
-- so that progress moves within a unit (pages / pages_planned).
ALTER TABLE job_units ADD COLUMN last_progress_at timestamptz;
ALTER TABLE job_units ADD COLUMN pages_planned integer CHECK (pages_planned >= 0);
