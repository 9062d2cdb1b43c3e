import type { Pool, PoolClient } from './pool.js';

export interface TransactionOptions {
  /** Session setup on the client before BEGIN: what it creates outlives a rollback. */
  prepare?: (client: PoolClient) => Promise<void>;
  /**
   * True for an error after which the connection's protocol state is unknown (one thrown mid-COPY,
   * say): the client is destroyed instead of going back to the pool. Default: never.
   */
  discardOn?: (err: unknown) => boolean;
}

/**
 * Runs `fn` inside BEGIN/COMMIT on one pooled client. A client whose transaction failed in an
 * unknown state (ROLLBACK itself failed, or `discardOn` says so) is destroyed rather than returned
 * to the pool.
 */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await opts.prepare?.(client);
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw err;
    }
  } catch (err) {
    if (!broken && opts.discardOn?.(err)) broken = err as Error;
    throw err;
  } finally {
    client.release(broken);
  }
}
