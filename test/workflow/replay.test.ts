// Determinism guard: histories of real jobs, recorded by scripts/record-history.ts, must replay
// against the current workflow code. A change that would break jobs already running fails here;
// such a change needs workflow versioning (patched()), not a re-recorded fixture.
import { describe, expect, it, inject } from 'vitest';
import { readFile, readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
// CommonJS package (a dependency of every @temporalio/* package): default import, then destructure.
import proto from '@temporalio/proto';

const { temporal } = proto;

const DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));
const files = (await readdir(DIR)).filter((f) => f.endsWith('.json')).sort();

type HistoryObject = { events: { eventType: string; activityTaskScheduledEventAttributes?: { activityType: { name: string } } }[] };

/** The object form scripts/record-history.ts writes (see there for why not proto3 JSON). */
const readHistory = async (file: string): Promise<HistoryObject> => JSON.parse(await readFile(`${DIR}${file}`, 'utf8')) as HistoryObject;

function replay(name: string, history: HistoryObject): Promise<void> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  } catch {
    // Installed by an earlier case of this file.
  }
  const proto = temporal.api.history.v1.History.fromObject(history);
  expect(proto.events.length).toBeGreaterThan(10);
  return Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, replayName: name }, proto);
}

describe('replay of recorded histories', () => {
  it('has fixtures to replay', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)('%s replays without nondeterminism', async (file) => {
    await replay(file, await readHistory(file));
  });

  it('fails with DeterminismViolationError on a history the code did not make (a unit scheduled under another activity name)', async () => {
    // Proves the cases above can fail: the same recorded job, with its first unit's activity renamed.
    const history = await readHistory(files[0]!);
    const unit = history.events.find((e) => e.activityTaskScheduledEventAttributes?.activityType.name === 'backfillUnit');
    expect(unit, 'a scheduled backfillUnit in the fixture').toBeDefined();
    unit!.activityTaskScheduledEventAttributes!.activityType.name = 'backfillUnitRenamed';
    await expect(replay(`${files[0]} (altered)`, history)).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
