// Databases for tests and the fault suite, all through an admin URL (a superuser connection to the
// `postgres` database): clone the run's migrated template, name a database's URL, drop them.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from '../../src/db/pool.js';

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** The URL of database `name` on the admin URL's server. */
export function databaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A database name no other test takes: `<prefix>_<label>_<random>`, within Postgres' 63 bytes. */
export const uniqueDatabaseName = (prefix: string, label: string): string =>
  `${prefix}_${label.replace(/\W/g, '').slice(0, 20)}_${randomBytes(3).toString('hex')}`;

/** Runs statements on the admin connection (CREATE/DROP DATABASE cannot run in a pooled transaction). */
export async function withAdmin<T>(adminUrl: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  await withAdmin(adminUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`));
}

/** Drops every database whose name is LIKE `pattern` (a run's leftovers). */
export async function dropDatabases(adminUrl: string, pattern: string): Promise<void> {
  await withAdmin(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [pattern]);
    for (const { datname } of rows) await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
  });
}

export interface CloneOptions {
  adminUrl: string;
  template: string;
  name: string;
  poolMax?: number;
  applicationName?: string;
}

/** A fresh migrated database cloned from `template` (fast: a file copy, no migrations), with a pool. */
export async function cloneDatabase(o: CloneOptions): Promise<TestDatabase> {
  await withAdmin(o.adminUrl, (c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(o.name)} TEMPLATE ${pg.escapeIdentifier(o.template)}`));
  const url = databaseUrl(o.adminUrl, o.name);
  const pool = createPool({ connectionString: url, max: o.poolMax ?? 10, applicationName: o.applicationName ?? 'backfill-test' });
  return {
    url,
    name: o.name,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
      await dropDatabase(o.adminUrl, o.name);
    },
  };
}
