import type { Pool, PoolClient } from './pool.js';

/**
 * Runs `fn` inside BEGIN/COMMIT on one pooled client. A client whose transaction failed in an
 * unknown state (ROLLBACK itself failed) is destroyed rather than returned to the pool.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((e: Error) => (broken = e));
    throw err;
  } finally {
    client.release(broken);
  }
}
