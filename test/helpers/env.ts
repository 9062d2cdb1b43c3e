import { inject } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { createPool, type Pool } from '../../src/db/pool.js';

export const temporalAddress = () => inject('temporalAddress');

/** A task queue no other test uses, so that workers of parallel test files never steal work. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh migrated database cloned from the run's template (fast: a file copy, no migrations). */
export async function createTestDatabase(label = 'db'): Promise<TestDatabase> {
  const admin = inject('adminDatabaseUrl');
  const name = `bf_test_${inject('runId')}_${label.replace(/\W/g, '').slice(0, 20)}_${randomBytes(3).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)} TEMPLATE ${pg.escapeIdentifier(inject('templateDatabase'))}`);
  } finally {
    await client.end();
  }
  const u = new URL(admin);
  u.pathname = `/${name}`;
  const url = u.toString();
  const pool = createPool({ connectionString: url, max: 10, applicationName: 'backfill-test' });
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
