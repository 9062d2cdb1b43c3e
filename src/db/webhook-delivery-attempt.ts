import type { Queryable } from './pool.js';
import type { WebhookDeliveryStatus } from '../../workflows/vocabulary.js';

/**
 * Records one attempt and what it left the delivery as. A delivery already `delivered` stays so: an
 * attempt whose success was recorded by an earlier (lost) activity run never turns it back.
 */
export async function recordWebhookAttempt(
  db: Queryable,
  a: { deliveryId: string; status: WebhookDeliveryStatus; httpStatus: number | null; error: string | null },
): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries
        SET attempts = attempts + 1, last_attempt_at = now(), last_status = $3, last_error = $4,
            status = CASE WHEN status = 'delivered' THEN status ELSE $2 END,
            delivered_at = CASE WHEN $2 = 'delivered' THEN coalesce(delivered_at, now()) ELSE delivered_at END
      WHERE delivery_id = $1`,
    [a.deliveryId, a.status, a.httpStatus, a.error],
  );
}
