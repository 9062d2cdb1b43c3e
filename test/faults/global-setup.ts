// Fault suite setup: one shared Temporal dev server (scenarios that do not kill Temporal use it,
// each on its own task queue) and one migrated template database on the machine's Postgres that
// every scenario clones. Scenarios that kill Temporal or stop Postgres start private ones.
import { mkdirSync, writeFileSync, appendFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../src/temporal/dev-server.js';
import { migrate } from '../../src/db/migrate.js';
import { dbUrl, dropDatabases } from '../setup/global-setup.js';
import { artifactsRoot, prepareRunDir, projectRoot, runDir } from './harness/paths.js';
import { BASE_SEED } from './harness/random.js';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    faultsSeed: number;
  }
}

/** Bundles workflows/ once (webpack, seconds): every worker process of the run loads it, so a
 * restarted worker is back in about a second, as with WORKER_WORKFLOW_BUNDLE in production. */
async function bundleWorkflows(runId: string): Promise<string> {
  const { code } = await bundleWorkflowCode({ workflowsPath: join(projectRoot, 'workflows', 'index.ts'), logger: new DefaultLogger('WARN') });
  const path = join(runDir(runId), 'workflow-bundle.js');
  writeFileSync(path, code);
  return path;
}

export default async function setup(project: TestProject) {
  const runId = `f${Date.now().toString(36)}${process.pid.toString(36)}`;
  mkdirSync(artifactsRoot, { recursive: true });
  const dir = prepareRunDir(runId);
  const t0 = Date.now();
  writeFileSync(join(dir, 'run.txt'), `run ${runId} seed ${BASE_SEED} started ${new Date().toISOString()}\n`);
  process.stderr.write(`[faults] run ${runId}, seed ${BASE_SEED} (replay with FAULTS_SEED=${BASE_SEED}); artifacts in ${dir}\n`);

  const template = `bf_faults_${runId}_tpl`;
  await migrate(dbUrl(ADMIN_URL, template));
  const temporalLog = join(dir, 'temporal-shared.log');
  writeFileSync(temporalLog, '');
  const [started, bundled] = await Promise.allSettled([
    startDevServer({ logLevel: 'warn', onOutput: (s) => appendFileSync(temporalLog, s) }),
    bundleWorkflows(runId),
  ]);
  if (started.status === 'rejected' || bundled.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    await dropDatabases(ADMIN_URL, `bf_faults_${runId}%`);
    throw started.status === 'rejected' ? started.reason : (bundled as PromiseRejectedResult).reason;
  }
  const server: DevServer = started.value;
  const bundlePath = bundled.value;
  project.provide('workflowBundlePath', bundlePath);
  project.provide('temporalAddress', server.address);
  project.provide('adminDatabaseUrl', ADMIN_URL);
  project.provide('templateDatabase', template);
  project.provide('runId', runId);
  project.provide('faultsSeed', BASE_SEED);

  return async () => {
    await server.stop();
    rmSync(bundlePath, { force: true });
    await dropDatabases(ADMIN_URL, `bf_faults_${runId}%`);
    const secs = Math.round((Date.now() - t0) / 1000);
    appendFileSync(join(dir, 'run.txt'), `finished after ${secs} s\n`);
    process.stderr.write(`[faults] run ${runId} (seed ${BASE_SEED}) finished after ${secs} s\n`);
  };
}
