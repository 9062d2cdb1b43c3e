// What both global setups (npm test, the fault suite) start once per run: a migrated template
// database that tests clone, a Temporal dev server, and the workflow bundle every worker loads.
// Either failing fails the run loudly: nothing is skipped for a missing server.
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer, type DevServerOptions } from '../../src/temporal/dev-server.js';
import { migrate } from '../../src/db/migrate.js';
import { databaseUrl, dropDatabases } from '../helpers/databases.js';

export const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

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

export interface RunStackOptions {
  runId: string;
  /** Every database of the run is named `<prefix>_<runId>_...`; teardown drops them all. */
  dbPrefix: string;
  /** Where to write the workflow bundle (a folder of this checkout that the run owns). */
  bundlePath: string;
  devServer: DevServerOptions;
}

/** Starts the run's shared stack, provides it to the tests, and returns its teardown. */
export async function startRunStack(project: TestProject, o: RunStackOptions): Promise<() => Promise<void>> {
  const pattern = `${o.dbPrefix}_${o.runId}%`;
  const template = `${o.dbPrefix}_${o.runId}_tpl`;
  await migrate(databaseUrl(ADMIN_URL, template));
  // Bundling (a few seconds of webpack) overlaps the server's start.
  const [started, bundled] = await Promise.allSettled([
    startDevServer(o.devServer),
    bundleWorkflowCode({ workflowsPath: join(ROOT, 'workflows', 'index.ts'), logger: new DefaultLogger('WARN') }).then(({ code }) => writeFile(o.bundlePath, code)),
  ]);
  if (started.status === 'rejected' || bundled.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    await dropDatabases(ADMIN_URL, pattern);
    throw started.status === 'rejected' ? started.reason : (bundled as PromiseRejectedResult).reason;
  }
  const server = started.value;
  project.provide('workflowBundlePath', o.bundlePath);
  project.provide('temporalAddress', server.address);
  project.provide('adminDatabaseUrl', ADMIN_URL);
  project.provide('templateDatabase', template);
  project.provide('runId', o.runId);
  return async () => {
    await server.stop();
    await rm(o.bundlePath, { force: true });
    await dropDatabases(ADMIN_URL, pattern);
  };
}
