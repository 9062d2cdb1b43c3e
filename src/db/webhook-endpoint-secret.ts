import type { Queryable } from './pool.js';

/** The endpoint's stored secret as stored (sealed or not); null when the endpoint has none. */
export async function webhookEndpointSecret(db: Queryable, url: string): Promise<{ secret: string; sealed: boolean } | null> {
  const { rows } = await db.query<{ secret: string; sealed: boolean }>(`SELECT secret, sealed FROM webhook_endpoints WHERE url = $1`, [url]);
  return rows[0] ?? null;
}
