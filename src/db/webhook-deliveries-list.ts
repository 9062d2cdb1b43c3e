import type { Queryable } from './pool.js';
import { DELIVERY_COLUMNS, type WebhookDeliveryRow } from './webhook-delivery-row.js';

/** A job's deliveries, oldest first (a job announces once per outcome it reaches). */
export async function listWebhookDeliveries(db: Queryable, jobId: string): Promise<WebhookDeliveryRow[]> {
  const { rows } = await db.query<WebhookDeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE job_id = $1 ORDER BY created_at, delivery_id`,
    [jobId],
  );
  return rows;
}
