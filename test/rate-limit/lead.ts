import type { Queryable } from '../../src/db/pool.js';

/** How far ahead of Postgres' now the limiter's next free slot is, in ms. */
export async function limiterLeadMs(db: Queryable, name: string): Promise<number> {
  const { rows } = await db.query<{ lead_ms: number }>(
    `SELECT (extract(epoch FROM next_slot - clock_timestamp()) * 1000)::float8 AS lead_ms FROM rate_limiters WHERE name = $1`,
    [name],
  );
  return rows[0]?.lead_ms ?? 0;
}


/** Postgres' clock (the limiter's), epoch ms. */
export const pgNowMs = async (db: Queryable): Promise<number> =>
  (await db.query<{ ms: number }>('SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms')).rows[0]!.ms;
