-- A running unit that waits for the shared Polygon rate limiter says so (issue 16: a job sat at 0
-- pages behind the limiter with no word). Set when an attempt starts waiting without a slot,
-- cleared when it gets one; the token names the attempt, so a crashed attempt's mark never shows
-- on the next one.
ALTER TABLE job_units ADD COLUMN rate_limited_since timestamptz;
ALTER TABLE job_units ADD COLUMN rate_limited_token integer;
