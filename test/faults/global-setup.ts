// Fault suite setup: one shared Temporal dev server (scenarios that do not kill Temporal use it,
// each on its own task queue) and one migrated template database on the machine's Postgres that
// every scenario clones. Scenarios that kill Temporal or stop Postgres start private ones.
import { mkdirSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startRunStack } from '../setup/run-stack.js';
import { artifactsRoot, prepareRunDir } from './harness/paths.js';
import { BASE_SEED } from './harness/random.js';

declare module 'vitest' {
  export interface ProvidedContext {
    faultsSeed: number;
  }
}

export default async function setup(project: TestProject) {
  const runId = `f${Date.now().toString(36)}${process.pid.toString(36)}`;
  mkdirSync(artifactsRoot, { recursive: true });
  const dir = prepareRunDir(runId);
  const t0 = Date.now();
  writeFileSync(join(dir, 'run.txt'), `run ${runId} seed ${BASE_SEED} started ${new Date().toISOString()}\n`);
  process.stderr.write(`[faults] run ${runId}, seed ${BASE_SEED} (replay with FAULTS_SEED=${BASE_SEED}); artifacts in ${dir}\n`);

  const temporalLog = join(dir, 'temporal-shared.log');
  writeFileSync(temporalLog, '');
  const teardown = await startRunStack(project, {
    runId,
    dbPrefix: 'bf_faults',
    bundlePath: join(dir, 'workflow-bundle.js'),
    devServer: { logLevel: 'warn', onOutput: (s) => appendFileSync(temporalLog, s) },
  });
  project.provide('faultsSeed', BASE_SEED);

  return async () => {
    await teardown();
    const secs = Math.round((Date.now() - t0) / 1000);
    appendFileSync(join(dir, 'run.txt'), `finished after ${secs} s\n`);
    process.stderr.write(`[faults] run ${runId} (seed ${BASE_SEED}) finished after ${secs} s\n`);
  };
}
