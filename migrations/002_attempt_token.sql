-- The fence of a unit's attempts gets its own column. `attempts` used to be both the number of
-- attempts and the fencing token, so every fence-only bump (a unit failed, cancelled or requeued)
-- showed up as an attempt that never ran: "attempts 2" for a unit that ran once. From here on
-- `attempt_token` moves on every claim and every fence; `attempts` only when an attempt starts.
ALTER TABLE job_units ADD COLUMN attempt_token integer NOT NULL DEFAULT 0;
-- An attempt claimed before this migration holds its old `attempts` value as its token.
UPDATE job_units SET attempt_token = attempts;
