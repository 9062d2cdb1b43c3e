import { describe, expect, it, inject } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { migrate } from '../../src/db/migrate.js';

function url(name: string) {
  const u = new URL(inject('adminDatabaseUrl'));
  u.pathname = `/${name}`;
  return u.toString();
}

async function drop(name: string) {
  const c = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
  await c.end();
}

describe('migrate', () => {
  it('creates the database, applies every file once, and is safe to run twice and concurrently', async () => {
    const name = `bf_test_${inject('runId')}_mig_${randomBytes(3).toString('hex')}`;
    try {
      // Two runners at once against a database that does not exist yet.
      const [a, b] = await Promise.all([migrate(url(name)), migrate(url(name))]);
      const applied = [...a.applied, ...b.applied].sort();
      expect(applied.length).toBeGreaterThan(0);
      expect(new Set(applied).size).toBe(applied.length);
      const again = await migrate(url(name));
      expect(again.applied).toEqual([]);
      expect(again.skipped.sort()).toEqual(applied);

      const c = new pg.Client({ connectionString: url(name) });
      await c.connect();
      const { rows } = await c.query<{ table_name: string }>(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      );
      await c.end();
      expect(rows.map((r) => r.table_name)).toEqual(
        expect.arrayContaining(['bars', 'jobs', 'job_units', 'series', 'schema_migrations', 'rate_limiters']),
      );
    } finally {
      await drop(name);
    }
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const name = `bf_test_${inject('runId')}_migbad_${randomBytes(3).toString('hex')}`;
    const { mkdtemp, writeFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'mig-'));
    await writeFile(join(dir, '001_ok.sql'), 'CREATE TABLE t_ok (id int);');
    await writeFile(join(dir, '002_bad.sql'), 'CREATE TABLE t_bad (id int); SELECT no_such_function();');
    try {
      await expect(migrate(url(name), dir)).rejects.toThrow(/002_bad\.sql/);
      const c = new pg.Client({ connectionString: url(name) });
      await c.connect();
      const versions = (await c.query('SELECT version FROM schema_migrations ORDER BY 1')).rows.map((r) => r.version);
      const bad = await c.query(`SELECT to_regclass('t_bad') AS t`);
      await c.end();
      expect(versions).toEqual(['001_ok']);
      expect(bad.rows[0].t).toBeNull();
    } finally {
      await drop(name);
    }
  });
});
