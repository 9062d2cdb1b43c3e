-- The coverage ledger: what is stored for each series and New York date, written in the same
-- transaction as the page of bars that covers the date (like the unit cursor), so it is exact after
-- any crash. A date with no row was never fetched. The row keeps facts only; its state is derived
-- from them by the database so that the facts and the state can never disagree.
CREATE TABLE coverage_days (
  series_id       integer     NOT NULL REFERENCES series (series_id),
  day             date        NOT NULL,              -- New York date
  session         boolean     NOT NULL,              -- a session of the series' calendar when fetched
  bars            integer     NOT NULL CHECK (bars >= 0),
  first_bar       timestamptz,
  last_bar        timestamptz,
  outside_session integer     NOT NULL DEFAULT 0 CHECK (outside_session >= 0),
  violations      integer     NOT NULL DEFAULT 0 CHECK (violations >= 0),
  fetched_at      timestamptz NOT NULL DEFAULT now(),
  job_id          uuid,                              -- the job whose page wrote it last
  state           text GENERATED ALWAYS AS (
    CASE WHEN bars > 0 AND violations > 0 THEN 'suspect'
         WHEN bars > 0 THEN 'complete'
         WHEN session THEN 'no_bars'
         ELSE 'closed' END) STORED
    CHECK (state IN ('complete', 'no_bars', 'closed', 'not_fetched', 'suspect')),
  PRIMARY KEY (series_id, day),
  CHECK ((bars = 0) = (first_bar IS NULL) AND (first_bar IS NULL) = (last_bar IS NULL))
);

-- Bars that failed validation on ingest. The bars themselves are stored anyway; each job keeps its
-- own record of what it saw, so a second job over the same range lists its findings too.
CREATE TABLE bar_violations (
  job_id      uuid        NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  series_id   integer     NOT NULL REFERENCES series (series_id),
  ts          timestamptz NOT NULL,
  rule        text        NOT NULL CHECK (rule IN ('price_not_finite', 'price_not_positive', 'high_below_low', 'open_outside_range',
    'close_outside_range', 'volume_invalid', 'vwap_outside_range', 'ts_misaligned', 'ts_out_of_range', 'ts_duplicate',
    'ts_out_of_order', 'closed_day')),
  detail      text        NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (job_id, series_id, ts, rule)
);
CREATE INDEX bar_violations_series_idx ON bar_violations (series_id, ts);

-- What a job does with bars that break a rule: `record` stores and lists them, `strict` fails the
-- unit with bad_data. Read by the unit activity from here, so the workflow input need not carry it.
ALTER TABLE jobs ADD COLUMN validation text NOT NULL DEFAULT 'record' CHECK (validation IN ('record', 'strict'));
