-- Series identity is (symbol, timeframe, adjusted): adjusted and raw bars are different series and
-- never overwrite each other. Bars reference a small integer id so that the hot table and its
-- primary key stay narrow (about 70 bytes a row instead of repeating the symbol text).
CREATE TABLE series (
  series_id   integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  symbol      text        NOT NULL,
  timeframe   text        NOT NULL,  -- canonical label: 1m, 5m, 1h, 1d, 1w, 1mo ...
  multiplier  integer     NOT NULL CHECK (multiplier > 0),
  timespan    text        NOT NULL,
  adjusted    boolean     NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  UNIQUE (symbol, timeframe, adjusted)
);

-- No foreign key to series: a per-row RI trigger would cost a large share of bulk-load speed, and
-- series rows are created (and never deleted) before any of their bars are written.
CREATE TABLE bars (
  series_id integer          NOT NULL,
  ts        timestamptz      NOT NULL,  -- bar start, UTC (Polygon's t)
  open      double precision NOT NULL,
  high      double precision NOT NULL,
  low       double precision NOT NULL,
  close     double precision NOT NULL,
  volume    double precision NOT NULL,  -- fractional for crypto
  vwap      double precision,
  trades    bigint,
  PRIMARY KEY (series_id, ts)
);

CREATE VIEW bars_by_symbol AS
  SELECT s.symbol, s.timeframe, s.adjusted, b.ts, b.open, b.high, b.low, b.close, b.volume, b.vwap, b.trades
  FROM bars b JOIN series s USING (series_id);

CREATE TABLE jobs (
  job_id              uuid        PRIMARY KEY,
  workflow_id         text        NOT NULL UNIQUE,
  idempotency_key     text        UNIQUE,
  request_fingerprint text,
  status              text        NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'paused', 'completed', 'completed_with_errors', 'failed', 'cancelled')),
  symbols             text[]      NOT NULL,
  timeframes          text[]      NOT NULL,
  start_date          date        NOT NULL,
  end_date            date        NOT NULL CHECK (start_date <= end_date),
  adjusted            boolean     NOT NULL,
  concurrency         integer     NOT NULL CHECK (concurrency > 0),
  units_total         integer     NOT NULL CHECK (units_total > 0),
  error               text,
  created_at          timestamptz NOT NULL DEFAULT now(),
  started_at          timestamptz,
  completed_at        timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX jobs_recent_idx ON jobs (created_at DESC, job_id);
CREATE INDEX jobs_status_recent_idx ON jobs (status, created_at DESC, job_id);

-- One row per symbol x timeframe of a job: the durable truth of its progress. resume_cursor is
-- written in the same transaction as the page of bars it follows.
CREATE TABLE job_units (
  job_id        uuid        NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  unit_no       integer     NOT NULL CHECK (unit_no >= 0),
  symbol        text        NOT NULL,
  timeframe     text        NOT NULL,
  status        text        NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
  attempts      integer     NOT NULL DEFAULT 0,
  resume_cursor jsonb,
  pages         integer     NOT NULL DEFAULT 0,
  bars_fetched  bigint      NOT NULL DEFAULT 0,
  bars_inserted bigint      NOT NULL DEFAULT 0,
  error_code    text,
  error_message text,
  started_at    timestamptz,
  completed_at  timestamptz,
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, unit_no),
  UNIQUE (job_id, symbol, timeframe)
);
CREATE INDEX job_units_by_status_idx ON job_units (job_id, status, unit_no);

-- A Polygon rate limit is per API key and shared by every worker: each request reserves the next
-- free slot here (one UPDATE, Postgres' clock), then sleeps until it.
CREATE TABLE rate_limiters (
  name      text        PRIMARY KEY,
  next_slot timestamptz NOT NULL
);
