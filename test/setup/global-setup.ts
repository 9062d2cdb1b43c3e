// One Temporal dev server and one fresh, migrated template database per test run (see run-stack.ts).
import type { TestProject } from 'vitest/node';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startRunStack } from './run-stack.js';

export default async function setup(project: TestProject) {
  const runId = `${Date.now().toString(36)}${process.pid.toString(36)}`;
  const artifacts = fileURLToPath(new URL('../../.artifacts/', import.meta.url));
  await mkdir(artifacts, { recursive: true });
  return startRunStack(project, { runId, dbPrefix: 'bf_test', bundlePath: `${artifacts}workflow-bundle-${runId}.js`, devServer: { logLevel: 'error' } });
}
