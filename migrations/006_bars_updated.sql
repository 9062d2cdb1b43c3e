-- Corrections land: a re-fetched bar that differs from the stored one (Polygon revises recent bars
-- after the close; today's partial bar completes) replaces it in the page's transaction, and is
-- counted here beside bars_inserted. An identical bar is still not written at all.
ALTER TABLE job_units ADD COLUMN bars_updated bigint NOT NULL DEFAULT 0;
