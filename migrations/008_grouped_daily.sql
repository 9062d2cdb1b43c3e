-- Grouped daily (issue 13): a job's `1d` units over US stocks may be fetched with one grouped-daily
-- request per session day for all of its symbols. `strategy` is what the planner chose for the job
-- (the request's `auto` resolved before the row is written).
ALTER TABLE jobs ADD COLUMN strategy text NOT NULL DEFAULT 'per_ticker' CHECK (strategy IN ('per_ticker', 'grouped'));

-- One row per session day of a grouped job: the durable truth of that day's request. A day's bars,
-- its ledger rows and its share of every grouped unit's counters commit in one transaction with the
-- row turning `completed`, fenced by `attempt_token` as unit pages are. A failed day is retried alone.
CREATE TABLE job_days (
  job_id           uuid        NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  day_no           integer     NOT NULL CHECK (day_no >= 0),
  day              date        NOT NULL,
  status           text        NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  attempts         integer     NOT NULL DEFAULT 0,
  attempt_token    integer     NOT NULL DEFAULT 0,
  bars_fetched     bigint      NOT NULL DEFAULT 0,
  bars_inserted    bigint      NOT NULL DEFAULT 0,
  bars_updated     bigint      NOT NULL DEFAULT 0,
  error_code       text,
  error_message    text,
  -- The no-progress clock of the day's attempts (UNIT_DEADLINE_SECONDS), as for units.
  last_progress_at timestamptz,
  completed_at     timestamptz,
  updated_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, day_no),
  UNIQUE (job_id, day)
);
