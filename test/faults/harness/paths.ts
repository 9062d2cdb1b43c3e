// Where the fault suite keeps what it captured (logs, reports, dumps): .artifacts/faults/<scenario>/.
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const artifactsRoot = join(projectRoot, '.artifacts', 'faults');

/** A fresh folder for one scenario's artifacts (emptied first, so a run never mixes with the last). */
export function scenarioDir(scenario: string): string {
  const dir = join(artifactsRoot, scenario);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
