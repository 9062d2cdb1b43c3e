import type { Queryable } from './pool.js';

export interface StoredSecret {
  secret: string;
  sealed: boolean;
}

/**
 * The endpoint's stored secret as stored (sealed or not), and the one a rotation replaced while
 * its grace lasts (by Postgres's clock, which set it); null when the endpoint has none.
 */
export async function webhookEndpointSecret(db: Queryable, url: string): Promise<(StoredSecret & { previous: StoredSecret | null }) | null> {
  const { rows } = await db.query<{ secret: string; sealed: boolean; previous_secret: string | null; previous_sealed: boolean | null }>(
    `SELECT secret, sealed,
            CASE WHEN previous_valid_until > now() THEN previous_secret END AS previous_secret,
            CASE WHEN previous_valid_until > now() THEN previous_sealed END AS previous_sealed
       FROM webhook_endpoints WHERE url = $1`,
    [url],
  );
  const r = rows[0];
  if (!r) return null;
  return { secret: r.secret, sealed: r.sealed, previous: r.previous_secret === null ? null : { secret: r.previous_secret, sealed: r.previous_sealed! } };
}
