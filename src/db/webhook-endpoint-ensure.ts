import type { Queryable } from './pool.js';

/**
 * Registers an endpoint with its (already sealed, when a key is configured) secret unless it is
 * known. True when this call created it: only then may the caller show the secret, once.
 */
export async function ensureWebhookEndpoint(db: Queryable, e: { url: string; secret: string; sealed: boolean }): Promise<boolean> {
  const { rowCount } = await db.query(
    `INSERT INTO webhook_endpoints (url, secret, sealed) VALUES ($1, $2, $3) ON CONFLICT (url) DO NOTHING`,
    [e.url, e.secret, e.sealed],
  );
  return rowCount === 1;
}
