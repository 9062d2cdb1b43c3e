// Where the fault suite keeps what it captured (logs, reports, dumps): .artifacts/faults/<scenario>/.
import { mkdirSync, readdirSync, rmSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const artifactsRoot = join(projectRoot, '.artifacts', 'faults');

/** One run's folder: .artifacts/faults/<runId>/ (two runs at once never clobber each other). */
export function runDir(runId: string): string {
  return join(artifactsRoot, runId);
}

/** Creates the run's folder, points .artifacts/faults/latest at it, and keeps only the last `keep` runs. */
export function prepareRunDir(runId: string, keep = 8): string {
  const dir = runDir(runId);
  mkdirSync(dir, { recursive: true });
  const latest = join(artifactsRoot, 'latest');
  try {
    unlinkSync(latest);
  } catch {
    /* none yet */
  }
  try {
    symlinkSync(runId, latest);
  } catch {
    /* a concurrent run won the race: fine */
  }
  const runs = readdirSync(artifactsRoot, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^f[0-9a-z]+$/.test(d.name))
    .map((d) => ({ name: d.name, t: statSync(join(artifactsRoot, d.name)).mtimeMs }))
    .sort((a, b) => b.t - a.t);
  for (const old of runs.slice(keep)) rmSync(join(artifactsRoot, old.name), { recursive: true, force: true });
  return dir;
}

/** A fresh folder for one scenario's artifacts in this run. */
export function scenarioDir(runId: string, scenario: string): string {
  const dir = join(runDir(runId), scenario);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
