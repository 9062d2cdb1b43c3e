import type { Queryable } from './pool.js';
import { DELIVERY_COLUMNS, type WebhookDeliveryRow } from './webhook-delivery-row.js';

/**
 * A manual redelivery: the delivery is pending again with a fresh retry budget (WEBHOOK_RETRY_HOURS
 * from now). Same id and body: a receiver that already has the event deduplicates it.
 * Null when the job has no such delivery.
 */
export async function reopenWebhookDelivery(db: Queryable, jobId: string, deliveryId: string): Promise<WebhookDeliveryRow | null> {
  const { rows } = await db.query<WebhookDeliveryRow>(
    `UPDATE webhook_deliveries SET status = 'pending', retry_from = now()
      WHERE job_id = $1 AND delivery_id = $2
      RETURNING ${DELIVERY_COLUMNS}`,
    [jobId, deliveryId],
  );
  return rows[0] ?? null;
}
