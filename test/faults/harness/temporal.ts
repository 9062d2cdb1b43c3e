// Temporal for the fault suite: a client on the shared dev server, a private dev server on a SQLite
// file that can be SIGKILLed and restarted on the same port and file (scenario 3), task-queue
// poller checks, and the CLI's `temporal workflow show --output json`.
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { startDevServer, type DevServer } from '../../../src/temporal/dev-server.js';
// @ts-expect-error plain ESM helper shared with npm scripts, no type declarations
import { ensureTemporalCli } from '../../../scripts/temporal-cli.mjs';
import { waitFor } from '../../helpers/wait.js';

export async function connectClient(address: string): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, namespace: 'default' }), connection };
}

/** A dev server on its own SQLite file that the suite may kill -9 and restart in place. */
export class RestartableTemporal {
  server: DevServer | undefined;
  readonly dir: string;
  readonly dbFile: string;
  port = 0;
  generation = 0;

  constructor(private readonly logFile: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'bf-faults-temporal-'));
    this.dbFile = join(this.dir, 'temporal.sqlite');
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.generation++;
    appendFileSync(this.logFile, `---- temporal dev server start #${this.generation} ----\n`);
    this.server = await startDevServer({
      port: this.port || undefined,
      dbFile: this.dbFile,
      logLevel: 'warn',
      onOutput: (s) => appendFileSync(this.logFile, s),
    });
    this.port = this.server.port;
  }

  /** SIGKILL to the server's process group: the SQLite file is left as a crash leaves it. */
  async kill9(): Promise<void> {
    const child = this.server?.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await exited;
    appendFileSync(this.logFile, `---- SIGKILLed by the fault suite ----\n`);
  }

  async stop(): Promise<void> {
    await this.server?.stop();
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * True when the worker process `pid` polls `taskQueue` (activity side). The SDK's default identity
 * is `<pid>@<host>`; a killed worker's poller stays listed for a while, so freshness alone would
 * mistake the dead one for the new one.
 */
export async function hasPoller(client: Client, taskQueue: string, pid: number): Promise<boolean> {
  const res = await client.workflowService.describeTaskQueue({
    namespace: 'default',
    taskQueue: { name: taskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (res.pollers ?? []).some((p) => (p.identity ?? '').startsWith(`${pid}@`));
}

/** Waits until worker process `pid` polls the queue (it is ready to take work). */
export async function waitForPoller(client: Client, taskQueue: string, pid: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(`worker pid ${pid} polling ${taskQueue}`, () => hasPoller(client, taskQueue, pid), timeoutMs, 200);
}

export type WorkflowState = 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'TERMINATED' | 'CONTINUED_AS_NEW' | 'TIMED_OUT' | 'NOT_FOUND' | string;

export async function workflowState(client: Client, workflowId: string): Promise<WorkflowState> {
  try {
    const d = await client.workflow.getHandle(workflowId).describe();
    return d.status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return 'NOT_FOUND';
    throw err;
  }
}

/** `temporal workflow show --output json` for one workflow (every run, as the CLI prints it). */
export function workflowShowJson(address: string, workflowId: string): string {
  const cli: string = ensureTemporalCli();
  return execFileSync(cli, ['workflow', 'show', '--address', address, '--namespace', 'default', '--workflow-id', workflowId, '--output', 'json'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** Terminates every workflow id given that is still running (fuzz clean-up). */
export async function terminateAll(client: Client, workflowIds: Iterable<string>, reason: string): Promise<number> {
  let n = 0;
  for (const id of workflowIds) {
    try {
      await client.workflow.getHandle(id).terminate(reason);
      n++;
    } catch {
      /* already closed or never started */
    }
  }
  return n;
}

/** Workflow ids started on `taskQueue` (visibility; the dev server indexes TaskQueue). */
export async function listWorkflowIds(client: Client, taskQueue: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue.replace(/'/g, "''")}'` })) ids.push(wf.workflowId);
  return ids;
}

/** Workflows on `taskQueue` whose id no job row carries: a job started twice, or started and lost. */
export async function orphanWorkflows(client: Client, taskQueue: string, pool: { query: (sql: string) => Promise<{ rows: Array<{ workflow_id: string }> }> }): Promise<string[]> {
  const ids = await listWorkflowIds(client, taskQueue);
  const { rows } = await pool.query('SELECT workflow_id FROM jobs');
  const known = new Set(rows.map((r) => r.workflow_id));
  return [...new Set(ids)].filter((id) => !known.has(id));
}

/**
 * Waits until the workflow is closed and returns its final state. The job row turns final from
 * inside the workflow (an activity) a moment before the workflow itself completes.
 */
export async function waitForWorkflowClosed(client: Client, workflowId: string, timeoutMs = 30_000): Promise<WorkflowState> {
  let last: WorkflowState = 'NOT_FOUND';
  try {
    return await waitFor(
      `workflow ${workflowId} to close`,
      async () => {
        last = await workflowState(client, workflowId);
        return last !== 'RUNNING' ? last : undefined;
      },
      timeoutMs,
      250,
    );
  } catch {
    return last;
  }
}
