-- Rotating a generated endpoint secret (a lost or leaked one could not be replaced). The secret it
-- replaced stays, as it was stored (sealed or not), until previous_valid_until: meanwhile every
-- delivery carries a signature under each, so receivers can switch at their own pace. One previous
-- secret only: a second rotation within the grace drops the first one's.
ALTER TABLE webhook_endpoints
  ADD COLUMN previous_secret      text,
  ADD COLUMN previous_sealed      boolean,
  ADD COLUMN previous_valid_until timestamptz,
  ADD COLUMN rotated_at           timestamptz,
  ADD CONSTRAINT webhook_endpoints_previous_whole
    CHECK ((previous_secret IS NULL) = (previous_sealed IS NULL) AND (previous_secret IS NULL OR previous_valid_until IS NOT NULL));
