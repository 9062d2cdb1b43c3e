// One Temporal dev server and one fresh, migrated template database per test run. Tests fail
// loudly when either cannot be started: nothing is skipped for a missing server.
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { migrate } from '../../src/db/migrate.js';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    adminDatabaseUrl: string;
    templateDatabase: string;
    runId: string;
  }
}

export function dbUrl(admin: string, name: string): string {
  const u = new URL(admin);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function dropDatabases(admin: string, pattern: string): Promise<void> {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [pattern]);
    for (const { datname } of rows) await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(datname)} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const template = `bf_test_${runId}_tpl`;
  await migrate(dbUrl(ADMIN_URL, template));
  let server: DevServer;
  try {
    server = await startDevServer({ logLevel: 'error' });
  } catch (err) {
    await dropDatabases(ADMIN_URL, `bf_test_${runId}%`);
    throw err;
  }
  project.provide('temporalAddress', server.address);
  project.provide('adminDatabaseUrl', ADMIN_URL);
  project.provide('templateDatabase', template);
  project.provide('runId', runId);

  return async () => {
    await server.stop();
    await dropDatabases(ADMIN_URL, `bf_test_${runId}%`);
  };
}
