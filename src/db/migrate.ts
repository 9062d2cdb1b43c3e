import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export const MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../migrations');
// Any fixed number: serialises concurrent runners (two workers starting at once) on one database.
const LOCK_ID = 7_310_442_001;

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(connectionString: string): Promise<void> {
  const url = new URL(connectionString);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database');
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } catch (err) {
        // Another process created it between our check and our CREATE.
        if ((err as { code?: string }).code !== '42P04' && (err as { code?: string }).code !== '23505') throw err;
      }
    }
  } finally {
    await client.end();
  }
}

export interface MigrationResult {
  applied: string[];
  skipped: string[];
}

/** Thrown before anything is applied when an applied migration's file no longer matches its checksum. */
export class MigrationChangedError extends Error {
  constructor(
    readonly file: string,
    readonly recorded: string,
    readonly current: string,
  ) {
    super(
      `migration ${file} was changed after it was applied (recorded checksum ${recorded.slice(0, 12)}, file now ${current.slice(0, 12)}): ` +
        'restore the file and put the change in a new numbered migration',
    );
    this.name = 'MigrationChangedError';
  }
}

/** sha256 of the file's text; line endings do not count, so a CRLF checkout is the same file. */
export const migrationChecksum = (sql: string): string => createHash('sha256').update(sql.replace(/\r\n/g, '\n')).digest('hex');

/**
 * Applies every migrations/NNN_*.sql not yet recorded, in order, each in its own transaction, after
 * checking that no applied file has changed since (its checksum is stored with it). A database
 * that applied migrations before checksums were recorded gets them from the files on its first run.
 */
export async function migrate(connectionString: string, dir = MIGRATIONS_DIR): Promise<MigrationResult> {
  await ensureDatabase(connectionString);
  const names = (await readdir(dir)).filter((f) => /^\d+_.+\.sql$/.test(f)).sort();
  const files = await Promise.all(
    names.map(async (file) => {
      const sql = await readFile(join(dir, file), 'utf8');
      return { file, version: file.replace(/\.sql$/, ''), sql, checksum: migrationChecksum(sql) };
    }),
  );
  const client = new pg.Client({ connectionString, application_name: 'backfill-migrate' });
  await client.connect();
  const result: MigrationResult = { applied: [], skipped: [] };
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_ID]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
    await client.query('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum text');
    const done = new Map(
      (await client.query<{ version: string; checksum: string | null }>('SELECT version, checksum FROM schema_migrations')).rows.map((r) => [r.version, r.checksum]),
    );
    for (const f of files) {
      if (!done.has(f.version)) continue;
      const recorded = done.get(f.version);
      if (recorded == null) {
        await client.query('UPDATE schema_migrations SET checksum = $2 WHERE version = $1', [f.version, f.checksum]);
      } else if (recorded !== f.checksum) {
        throw new MigrationChangedError(f.file, recorded, f.checksum);
      }
    }
    for (const f of files) {
      if (done.has(f.version)) {
        result.skipped.push(f.version);
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(f.sql);
        await client.query('INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)', [f.version, f.checksum]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK');
        throw new Error(`migration ${f.file} failed: ${(err as Error).message}`);
      }
      result.applied.push(f.version);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [LOCK_ID]).catch(() => undefined);
    await client.end();
  }
  return result;
}
