import type { WebhookDeliveryStatus, WebhookEvent } from '../../workflows/vocabulary.js';

/** A delivery as the API lists it (the body stays in Postgres; it is the job's event, already public). */
export interface WebhookDeliveryRow {
  deliveryId: string;
  jobId: string;
  eventType: WebhookEvent;
  url: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
  retryFrom: Date;
  createdAt: Date;
}

export const DELIVERY_COLUMNS = `
  delivery_id AS "deliveryId", job_id AS "jobId", event_type AS "eventType", url, status, attempts,
  last_status AS "lastStatus", last_error AS "lastError", last_attempt_at AS "lastAttemptAt",
  delivered_at AS "deliveredAt", retry_from AS "retryFrom", created_at AS "createdAt"`;
