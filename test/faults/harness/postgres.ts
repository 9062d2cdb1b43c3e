// Databases for the fault suite.
// - A private Postgres cluster (initdb + pg_ctl from the machine's binaries, free port, temp dir)
//   for scenarios that stop Postgres: stopping it touches nothing else on the machine.
// - Fresh databases cloned from the run's migrated template on the shared Postgres for the others.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createPool, type Pool } from '../../../src/db/pool.js';
import { migrate } from '../../../src/db/migrate.js';
import { freePort } from '../../../src/temporal/dev-server.js';

function pgBinDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) throw new Error('no Postgres binaries under /usr/lib/postgresql (set PG_BIN_DIR)');
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error('no pg_ctl under /usr/lib/postgresql/*/bin (set PG_BIN_DIR)');
  return join(root, versions[0], 'bin');
}

function osUser(name: string): { uid: number; gid: number } | undefined {
  const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (r.status !== 0 || g.status !== 0) return undefined;
  return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()) };
}

export interface PrivatePostgres {
  port: number;
  dir: string;
  /** Admin URL (database `postgres`, superuser `postgres`, trust auth on 127.0.0.1). */
  adminUrl: string;
  url(db: string): string;
  start(): void;
  /** `fast` disconnects clients and shuts down cleanly; `immediate` is a crash (recovery on start). */
  stop(mode?: 'fast' | 'immediate'): void;
  isUp(): boolean;
  /** Stops it and removes its folder. */
  destroy(): void;
}

/**
 * initdb + pg_ctl start on a free port in a temp dir. Postgres refuses to run as root, so as root
 * the cluster belongs to (and every command runs as) the `postgres` OS user.
 */
export async function startPrivatePostgres(opts: { logFile?: string } = {}): Promise<PrivatePostgres> {
  const bin = pgBinDir();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? osUser('postgres') : undefined;
  if (asRoot && !owner) throw new Error('running as root but there is no `postgres` OS user to own the private cluster');
  const dir = mkdtempSync(join(tmpdir(), 'bf-faults-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = opts.logFile ?? join(dir, 'postgres.log');
  if (opts.logFile) {
    writeFileSync(log, '');
    if (owner) chownSync(log, owner.uid, owner.gid);
  }
  const run = (exe: string, args: string[]) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, exe), ...args]] : [join(bin, exe), args];
    return execFileSync(cmd, argv as string[], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  };
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
  const port = await freePort();
  const serverOpts = [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses='127.0.0.1'",
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let up = false;
  const self: PrivatePostgres = {
    port,
    dir,
    adminUrl,
    url: (db) => `postgres://postgres@127.0.0.1:${port}/${db}`,
    start() {
      run('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '60', '-o', serverOpts, 'start']);
      up = true;
    },
    stop(mode = 'fast') {
      run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
      up = false;
    },
    isUp: () => up,
    destroy() {
      if (up) {
        try {
          self.stop('immediate');
        } catch {
          /* already down */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  self.start();
  return self;
}

export interface FaultDatabase {
  url: string;
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh migrated database on the shared Postgres, cloned from the suite's template. */
export async function createFaultDatabase(label: string): Promise<FaultDatabase> {
  const admin = inject('adminDatabaseUrl');
  const name = `bf_faults_${inject('runId')}_${label.replace(/\W/g, '').slice(0, 20)}_${randomBytes(3).toString('hex')}`;
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
  const pool = createPool({ connectionString: url, max: 4, applicationName: 'backfill-faults' });
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

/** A migrated database on a private cluster. */
export async function createPrivateDatabase(server: PrivatePostgres, name = 'backfill'): Promise<FaultDatabase> {
  const url = server.url(name);
  await migrate(url);
  const pool = createPool({ connectionString: url, max: 4, applicationName: 'backfill-faults' });
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end().catch(() => undefined);
    },
  };
}

/** Plain-text dump of a database (schema + data) with the machine's pg_dump. */
export function pgDump(url: string): string {
  const u = new URL(url);
  const bin = pgBinDir();
  return execFileSync(join(bin, 'pg_dump'), ['--no-owner', '--no-privileges', '-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username || 'postgres'), decodeURIComponent(u.pathname.slice(1))], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
    env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password ?? '') },
  });
}
