// One Temporal dev server and one fresh, migrated template database per test run. Tests fail
// loudly when either cannot be started: nothing is skipped for a missing server.
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { migrate } from '../../src/db/migrate.js';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    adminDatabaseUrl: string;
    templateDatabase: string;
    runId: string;
    /** The workflow bundle built once per run (workers load it instead of bundling: seconds each). */
    workflowBundlePath: string;
  }
}

/** Bundles workflows/ once into .artifacts/, for every in-process and child-process worker of the run. */
async function bundleWorkflows(runId: string): Promise<string> {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const { code } = await bundleWorkflowCode({ workflowsPath: `${root}workflows/index.ts`, logger: new DefaultLogger('WARN') });
  await mkdir(`${root}.artifacts`, { recursive: true });
  const path = `${root}.artifacts/workflow-bundle-${runId}.js`;
  await writeFile(path, code);
  return path;
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
  // Bundling (a few seconds of webpack) overlaps the server's start.
  const [started, bundled] = await Promise.allSettled([startDevServer({ logLevel: 'error' }), bundleWorkflows(runId)]);
  if (started.status === 'rejected' || bundled.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    await dropDatabases(ADMIN_URL, `bf_test_${runId}%`);
    throw started.status === 'rejected' ? started.reason : (bundled as PromiseRejectedResult).reason;
  }
  const server: DevServer = started.value;
  const bundlePath = bundled.value;
  project.provide('workflowBundlePath', bundlePath);
  project.provide('temporalAddress', server.address);
  project.provide('adminDatabaseUrl', ADMIN_URL);
  project.provide('templateDatabase', template);
  project.provide('runId', runId);

  return async () => {
    await server.stop();
    await rm(bundlePath, { force: true });
    await dropDatabases(ADMIN_URL, `bf_test_${runId}%`);
  };
}
