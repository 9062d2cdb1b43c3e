import type { Queryable } from './pool.js';
import { DELIVERY_COLUMNS, type WebhookDeliveryRow } from './webhook-delivery-row.js';

export async function loadWebhookDelivery(db: Queryable, deliveryId: string): Promise<(WebhookDeliveryRow & { body: string }) | null> {
  const { rows } = await db.query<WebhookDeliveryRow & { body: string }>(`SELECT ${DELIVERY_COLUMNS}, body FROM webhook_deliveries WHERE delivery_id = $1`, [deliveryId]);
  return rows[0] ?? null;
}
