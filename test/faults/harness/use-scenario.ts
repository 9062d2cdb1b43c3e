// What most scenarios share around their fault: the scenario set up for the describe block, the
// standard job (3 symbols x 1m/5m over three days, enough pages to inject faults mid-job) on a
// worker and an API, and the end checks (job completed exactly, workflow closed, no crash).
import { afterAll, beforeAll, expect } from 'vitest';
import { setupScenario, type Scenario, type ScenarioOptions } from './scenario.js';
import { waitForJobEnd } from './stack.js';
import { waitForWorkflowClosed } from './temporal.js';
import type { ManagedProcess } from '../../helpers/proc.js';

/** The scenario of the enclosing describe block, set up before its tests and torn down after. */
export function useScenario(name: string, opts: ScenarioOptions = {}): Scenario {
  let s: Scenario | undefined;
  beforeAll(async () => {
    s = await setupScenario(name, opts);
  });
  afterAll(async () => s?.teardown());
  return new Proxy({} as Scenario, {
    get(_, key) {
      if (!s) throw new Error(`scenario ${name} used before its beforeAll ran`);
      return s[key as keyof Scenario];
    },
  });
}

export const STANDARD_JOB = {
  symbols: ['AAPL', 'MSFT', 'NVDA'],
  timeframes: ['1m', '5m'],
  start_date: '2024-03-04',
  end_date: '2024-03-06',
  concurrency: 3,
};

/** One worker and the API, then the standard job posted through the API. */
export async function startStandardJob(s: Scenario): Promise<{ worker: ManagedProcess; jobId: string; workflowId: string }> {
  const worker = await s.stack.startWorker('worker');
  await s.stack.startApi();
  const { jobId, workflowId } = await s.stack.startJob(STANDARD_JOB);
  return { worker, jobId, workflowId };
}

/** The job ends completed with exactly the simulator's bars, and its workflow closed COMPLETED. */
export async function expectJobCompleted(s: Scenario, jobId: string, workflowId: string, timeoutMs = 150_000): Promise<void> {
  const status = await waitForJobEnd(s.db.pool, jobId, timeoutMs, s.report, s.stack);
  expect(status).toBe('completed');
  await s.check([{ jobId, status: 'completed' }]);
  const wf = await waitForWorkflowClosed(s.client, workflowId);
  s.report.verify(wf === 'COMPLETED', `workflow ${workflowId} is ${wf} in Temporal`);
  expect(wf).toBe('COMPLETED');
}

/** No product process exited without the suite asking it to. */
export function expectNoCrashes(s: Scenario): void {
  const crashes = s.stack.unexpectedExits();
  s.report.verify(crashes.length === 0, `no product process exited on its own (${crashes.length})`);
  expect(crashes).toEqual([]);
}
