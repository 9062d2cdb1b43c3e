// Determinism guard: histories of real jobs, recorded by scripts/record-history.ts, must replay
// against the current workflow code. A change that would break jobs already running fails here;
// such a change needs workflow versioning (patched()), not a re-recorded fixture.
import { describe, expect, it, inject } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
// CommonJS package (a dependency of every @temporalio/* package): default import, then destructure.
import proto from '@temporalio/proto';

const { temporal } = proto;

const DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();

describe('replay of recorded histories', () => {
  it('has fixtures to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
    } catch {
      // Installed by an earlier case of this file.
    }
    // The object form scripts/record-history.ts writes (see there for why not proto3 JSON).
    const history = temporal.api.history.v1.History.fromObject(JSON.parse(await readFile(`${DIR}${file}`, 'utf8')));
    expect(history.events.length).toBeGreaterThan(10);
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: file }, history);
  });
});
