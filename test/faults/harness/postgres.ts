// Databases for the fault suite.
// - A private Postgres cluster (initdb + pg_ctl from the machine's binaries, free port, temp dir)
//   for scenarios that stop Postgres: stopping it touches nothing else on the machine.
// - Fresh databases cloned from the run's migrated template on the shared Postgres for the others.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createPool } from '../../../src/db/pool.js';
import { cloneDatabase, uniqueDatabaseName, type TestDatabase } from '../../helpers/databases.js';
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
 * the cluster belongs to (and every command runs as) the `postgres` OS user. Everything the server
 * writes, its log included, stays in that temp dir, which its user owns: the checkout may sit in a
 * private (0700) folder that user cannot reach. `copyLogTo` gets a copy of the log after every stop.
 */
export async function startPrivatePostgres(opts: { copyLogTo?: string } = {}): Promise<PrivatePostgres> {
  const bin = pgBinDir();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? osUser('postgres') : undefined;
  if (asRoot && !owner) throw new Error('running as root but there is no `postgres` OS user to own the private cluster');
  const dir = mkdtempSync(join(tmpdir(), 'bf-faults-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  const copyLog = () => {
    if (opts.copyLogTo && existsSync(log)) copyFileSync(log, opts.copyLogTo);
  };
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
      try {
        run('pg_ctl', ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
        up = false;
      } finally {
        copyLog();
      }
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
      copyLog();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  self.start();
  return self;
}

export type FaultDatabase = TestDatabase;

/** A fresh migrated database on the shared Postgres, cloned from the suite's template. */
export function createFaultDatabase(label: string): Promise<FaultDatabase> {
  return cloneDatabase({
    adminUrl: inject('adminDatabaseUrl'),
    template: inject('templateDatabase'),
    name: uniqueDatabaseName(`bf_faults_${inject('runId')}`, label),
    poolMax: 4,
    applicationName: 'backfill-faults',
  });
}

/** A migrated database on a private cluster (the cluster goes with it: nothing to drop). */
export async function createPrivateDatabase(server: PrivatePostgres, name = 'backfill'): Promise<FaultDatabase> {
  const url = server.url(name);
  await migrate(url);
  const pool = createPool({ connectionString: url, max: 4, applicationName: 'backfill-faults' });
  return { url, name, pool, drop: () => pool.end().catch(() => undefined) };
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
