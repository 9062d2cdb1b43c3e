import type { Queryable } from './pool.js';

/**
 * Replaces the endpoint's secret with `secret` (already sealed, when a key is configured) and keeps
 * the one it replaces, as stored, until now + graceHours (Postgres's clock, the one deliveries
 * compare with). A grace of 0 keeps nothing. Null when the endpoint has no stored secret.
 */
export async function rotateWebhookEndpointSecret(
  db: Queryable,
  e: { url: string; secret: string; sealed: boolean; graceHours: number },
): Promise<{ previousValidUntil: Date } | null> {
  const { rows } = await db.query<{ previous_valid_until: Date }>(
    `UPDATE webhook_endpoints
        SET previous_secret      = CASE WHEN $4::int > 0 THEN secret END,
            previous_sealed      = CASE WHEN $4::int > 0 THEN sealed END,
            previous_valid_until = now() + make_interval(hours => $4::int),
            rotated_at           = now(),
            secret               = $2,
            sealed               = $3
      WHERE url = $1
  RETURNING previous_valid_until`,
    [e.url, e.secret, e.sealed, e.graceHours],
  );
  return rows[0] ? { previousValidUntil: rows[0].previous_valid_until } : null;
}
