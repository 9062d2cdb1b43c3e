import { describe, expect, it, inject } from 'vitest';
import type pg from 'pg';
import { cp, mkdtemp, writeFile, appendFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MIGRATIONS_DIR, migrate, migrationChecksum } from '../../src/db/migrate.js';
import { databaseUrl, dropDatabase, uniqueDatabaseName, withAdmin } from '../helpers/databases.js';

const admin = () => inject('adminDatabaseUrl');

/** A database name of this run that does not exist yet; `use` gets its URL and drops it afterwards. */
async function withNewDatabase(label: string, use: (url: string) => Promise<void>): Promise<void> {
  const name = uniqueDatabaseName(`bf_test_${inject('runId')}`, label);
  try {
    await use(databaseUrl(admin(), name));
  } finally {
    await dropDatabase(admin(), name);
  }
}

const query = <T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []) =>
  withAdmin(url, async (c) => (await c.query<T>(sql, params)).rows);

/** A copy of migrations/ that `use` may change, and a new database to run it on. */
async function withMigrationsCopy(label: string, use: (dir: string, url: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mig-'));
  await cp(MIGRATIONS_DIR, dir, { recursive: true });
  try {
    await withNewDatabase(label, (url) => use(dir, url));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('migrate', () => {
  it('creates the database, applies every file once, and is safe to run twice and concurrently', async () => {
    await withNewDatabase('mig', async (url) => {
      // Two runners at once against a database that does not exist yet.
      const [a, b] = await Promise.all([migrate(url), migrate(url)]);
      const applied = [...a.applied, ...b.applied].sort();
      expect(applied.length).toBeGreaterThan(0);
      expect(new Set(applied).size).toBe(applied.length);
      const again = await migrate(url);
      expect(again.applied).toEqual([]);
      expect(again.skipped.sort()).toEqual(applied);

      const rows = await query<{ table_name: string }>(url, `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`);
      expect(rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['bars', 'jobs', 'job_units', 'series', 'schema_migrations', 'rate_limiters']));
      // Each applied file's checksum is stored with it.
      const sums = await query<{ version: string; checksum: string }>(url, 'SELECT version, checksum FROM schema_migrations ORDER BY version');
      expect(sums.map((r) => r.version)).toEqual(applied);
      for (const r of sums) expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
    });
  });

  it('rolls back a failing migration and records nothing for it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mig-'));
    await writeFile(join(dir, '001_ok.sql'), 'CREATE TABLE t_ok (id int);');
    await writeFile(join(dir, '002_bad.sql'), 'CREATE TABLE t_bad (id int); SELECT no_such_function();');
    try {
      await withNewDatabase('migbad', async (url) => {
        await expect(migrate(url, dir)).rejects.toThrow(/002_bad\.sql/);
        expect((await query(url, 'SELECT version FROM schema_migrations ORDER BY 1')).map((r) => r.version)).toEqual(['001_ok']);
        expect((await query(url, `SELECT to_regclass('t_bad') AS t`))[0]!.t).toBeNull();
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start, naming the file, when an applied migration was changed afterwards', async () => {
    await withMigrationsCopy('migsum', async (dir, url) => {
      await migrate(url, dir);
      await appendFile(join(dir, '001_schema.sql'), '\n-- an edit after the fact\nCREATE TABLE sneaked_in (id int);\n');
      await writeFile(join(dir, '999_later.sql'), 'CREATE TABLE later (id int);');
      await expect(migrate(url, dir)).rejects.toThrow(/migration 001_schema\.sql was changed after it was applied.*new numbered migration/);
      // Refused before anything ran: neither the edit nor the later file was applied.
      expect((await query(url, `SELECT to_regclass('sneaked_in') AS a, to_regclass('later') AS b`))[0]).toEqual({ a: null, b: null });
      expect((await query(url, `SELECT count(*)::int AS n FROM schema_migrations WHERE version = '999_later'`))[0]!.n).toBe(0);
      // A CRLF checkout of an unchanged file is the same file.
      expect(migrationChecksum('a;\r\nb;\r\n')).toBe(migrationChecksum('a;\nb;\n'));
    });
  });

  it('a database migrated before checksums existed gets them on its next run, then is checked', async () => {
    await withMigrationsCopy('migold', async (dir, url) => {
      await migrate(url, dir);
      // What such a database looks like: schema_migrations without the checksum column.
      await query(url, 'ALTER TABLE schema_migrations DROP COLUMN checksum');
      await writeFile(join(dir, '999_later.sql'), 'CREATE TABLE later (id int);');
      const r = await migrate(url, dir);
      expect(r.applied).toEqual(['999_later']);
      const sums = await query<{ version: string; checksum: string | null }>(url, 'SELECT version, checksum FROM schema_migrations ORDER BY version');
      expect(sums.every((s) => s.checksum !== null && /^[0-9a-f]{64}$/.test(s.checksum))).toBe(true);
      // Backfilled from the files as they were: from now on an edit is caught.
      await appendFile(join(dir, '002_attempt_token.sql'), '\n-- edited\n');
      await expect(migrate(url, dir)).rejects.toThrow(/002_attempt_token\.sql/);
    });
  });
});
