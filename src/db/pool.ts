import pg from 'pg';

// int8 (COUNT, SUM, bigint columns) arrives as a string by default; every figure this service
// handles fits well inside 2^53, so numbers are simpler for callers and JSON.
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format);
  },
} as pg.CustomTypesConfig;

export interface PoolOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
}

export function createPool(opts: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    application_name: opts.applicationName ?? 'backfill',
    types,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client that loses its server (restart, network) emits 'error' on the pool; without a
  // listener that would crash the process instead of just dropping the client.
  pool.on('error', () => undefined);
  // pg-pool drops that listener while a client is checked out, so a server that ends the
  // connection mid-query (restart, failover: 57P01) would emit 'error' on the client with nobody
  // listening and kill the process. The query in flight still rejects; its caller releases the
  // client with the error and the pool discards it.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
  });
  return pool;
}

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
export type Queryable = Pick<pg.Pool, 'query'> | Pick<pg.PoolClient, 'query'>;
