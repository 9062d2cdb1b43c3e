-- Reprocess modes (issue 13): a job fetches only the session days the coverage ledger does not hold
-- as final for its series (`missing`), or everything again (`all`). The API writes the mode it was
-- asked for (its default is `missing`); jobs written before this migration, and a row written without
-- a mode (a workflow started outside the API), fetch everything, as every job did before.
ALTER TABLE jobs ADD COLUMN reprocess text NOT NULL DEFAULT 'all' CHECK (reprocess IN ('missing', 'all'));

-- A unit's fetch plan, fixed by its first attempt and kept by every later one (retries, requeues),
-- so that its resume cursor, pages_planned and these counts describe one plan even after its own
-- pages made more of the range final. `fetch_runs`: the New York date runs it fetches, as
-- [[from_epoch_day, to_epoch_day], ...]; null until an attempt has planned.
ALTER TABLE job_units ADD COLUMN fetch_runs jsonb;
-- Sessions held final in the ledger that the unit did not fetch, and the requests that saved
-- against fetching its whole range.
ALTER TABLE job_units ADD COLUMN sessions_skipped integer NOT NULL DEFAULT 0 CHECK (sessions_skipped >= 0);
ALTER TABLE job_units ADD COLUMN requests_saved integer NOT NULL DEFAULT 0 CHECK (requests_saved >= 0);
