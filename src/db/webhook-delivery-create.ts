import type { Queryable } from './pool.js';
import { DELIVERY_COLUMNS, type WebhookDeliveryRow } from './webhook-delivery-row.js';

/**
 * Creates the delivery once: a retried activity (or one whose worker died) finds the row and the
 * body the first attempt built, so every attempt sends the same event under the same id.
 */
export async function createWebhookDelivery(
  db: Queryable,
  d: { deliveryId: string; jobId: string; eventType: string; url: string; body: string },
): Promise<WebhookDeliveryRow & { body: string }> {
  const { rows } = await db.query<WebhookDeliveryRow & { body: string }>(
    `WITH ins AS (
       INSERT INTO webhook_deliveries (delivery_id, job_id, event_type, url, body) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (delivery_id) DO NOTHING
       RETURNING *)
     SELECT ${DELIVERY_COLUMNS}, body FROM ins
     UNION ALL
     SELECT ${DELIVERY_COLUMNS}, body FROM webhook_deliveries WHERE delivery_id = $1 AND NOT EXISTS (SELECT 1 FROM ins)`,
    [d.deliveryId, d.jobId, d.eventType, d.url, d.body],
  );
  return rows[0]!;
}
