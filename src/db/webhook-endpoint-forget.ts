import type { Queryable } from './pool.js';

/** Drops an endpoint whose generated secret was never shown (its request failed), so the next request that names it gets a new one. */
export async function forgetWebhookEndpoint(db: Queryable, url: string): Promise<void> {
  await db.query(`DELETE FROM webhook_endpoints WHERE url = $1`, [url]);
}
