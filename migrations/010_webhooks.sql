-- Completion webhooks (issue 14). A job may name an endpoint (jobs.webhook_url, so that a restart
-- rebuilds the same workflow input); each announcement of its outcome is one delivery, whose id is
-- the Standard Webhooks `webhook-id` every attempt sends, so receivers can deduplicate.

ALTER TABLE jobs ADD COLUMN webhook_url text;

-- One row per endpoint whose secret this service generated (none when WEBHOOK_SECRET signs every
-- endpoint). The secret is sealed (AES-256-GCM under WEBHOOK_SECRETS_KEY) when that key is set;
-- `sealed` says which form the row holds.
CREATE TABLE webhook_endpoints (
  url        text PRIMARY KEY,
  secret     text NOT NULL,
  sealed     boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE webhook_deliveries (
  delivery_id     text PRIMARY KEY,
  job_id          uuid NOT NULL REFERENCES jobs (job_id) ON DELETE CASCADE,
  event_type      text NOT NULL,
  url             text NOT NULL,
  -- The exact body every attempt sends (text, not jsonb: the bytes stay as first built).
  body            text NOT NULL,
  status          text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  last_status     integer,
  last_error      text,
  last_attempt_at timestamptz,
  delivered_at    timestamptz,
  -- Retries stop WEBHOOK_RETRY_HOURS after this (creation, or the last manual redelivery).
  retry_from      timestamptz NOT NULL DEFAULT now(),
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX webhook_deliveries_job_idx ON webhook_deliveries (job_id, created_at);
