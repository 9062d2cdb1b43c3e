// `npm run dev` as a user runs it, as a real process tree: npm, tsx, the launcher, the Temporal dev
// server (its own process group), the simulator, a worker and the API. Closing the terminal hangs
// up the foreground process group (SIGHUP to every member, and the terminal is gone): nothing may
// survive it. A second `npm run dev` beside the first must say which port is taken, not crash.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestDatabase, type TestDatabase } from '../helpers/env.js';
import { unassignedPort as freePort } from '../helpers/ports.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** pid -> [parent pid, start time] of every process, from /proc. */
function processTable(): Map<number, { ppid: number; start: string }> {
  const table = new Map<number, { ppid: number; start: string }>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // Fields after the command (which may hold spaces) start after its closing parenthesis.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(f[1]), start: f[19]! });
    } catch {
      /* gone meanwhile */
    }
  }
  return table;
}

function descendants(root: number): Array<{ pid: number; start: string }> {
  const table = processTable();
  const out: Array<{ pid: number; start: string }> = [];
  const queue = [root];
  while (queue.length) {
    const parent = queue.shift()!;
    for (const [pid, p] of table) {
      if (p.ppid !== parent) continue;
      out.push({ pid, start: p.start });
      queue.push(pid);
    }
  }
  return out;
}

/** The same process still running (same pid and start time, so not a reused pid). */
function alive(p: { pid: number; start: string }): boolean {
  try {
    const stat = readFileSync(`/proc/${p.pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return f[19] === p.start && f[0] !== 'Z';
  } catch {
    return false;
  }
}

interface Dev {
  child: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
}

function startDev(env: Record<string, string>): Dev {
  // Its own process group, as a terminal's foreground job is.
  const child = spawn('npm', ['run', 'dev'], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b.toString()));
  child.stderr!.on('data', (b: Buffer) => out.push(b.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, out, exited };
}

async function until(what: string, cond: () => boolean | Promise<boolean>, timeoutMs: number, dev?: Dev): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    const output = dev ? `:\n${dev.out.join('').slice(-3000)}` : '';
    // A stack that already ended will never be ready: say so now, not after the whole timeout.
    if (dev && dev.child.exitCode !== null) throw new Error(`npm run dev exited (${dev.child.exitCode}) while waiting for ${what}${output}`);
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('npm run dev', () => {
  let db: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let apiPort: number;
  let temporalPort: number;
  let first: Dev | undefined;
  let tree: Array<{ pid: number; start: string }> = [];

  beforeAll(async () => {
    db = await createTestDatabase('devstack');
    dataDir = mkdtempSync(join(tmpdir(), 'dev-stack-'));
    [apiPort, temporalPort] = [await freePort(), await freePort()];
    env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...(process.env.TEMPORAL_CLI ? { TEMPORAL_CLI: process.env.TEMPORAL_CLI } : {}),
      DATABASE_URL: db.url,
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TEMPORAL_UI_URL: `http://localhost:${await freePort()}`,
      API_HOST: '127.0.0.1',
      API_PORT: String(apiPort),
      POLYGON_SIM_PORT: String(await freePort()),
      DEV_DATA_DIR: dataDir,
      WORKER_WORKFLOW_BUNDLE: inject('workflowBundlePath'),
      LOG_LEVEL: 'warn',
    };
  });
  afterAll(async () => {
    // Whatever a failed run left: the job's group, then any process of the tree still there.
    if (first?.child.pid) {
      try {
        process.kill(-first.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const p of tree) if (alive(p)) process.kill(p.pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    await db?.drop();
  });

  it('refuses a second run beside the first with the port and the variable that sets it', { timeout: 240_000 }, async () => {
    first = startDev(env);
    const dev = first;
    await until('the first stack to be ready', () => dev.out.join('').includes('[dev] ready'), 180_000, dev);
    tree = descendants(dev.child.pid!);
    // npm's shell, tsx, the launcher, Temporal, two tsx children and their node processes at least.
    expect(tree.length).toBeGreaterThanOrEqual(6);

    const second = startDev(env);
    const code = await second.exited;
    const said = second.out.join('');
    expect(code, said).not.toBe(0);
    expect(said).toContain(`port ${apiPort} (API_PORT) is already in use`);
    expect(said).not.toMatch(/^\s+at /m);
    expect(said).not.toMatch(/Error: listen EADDRINUSE/);
    // The second run started nothing and stopped nothing of the first.
    expect(descendants(second.child.pid!).filter(alive)).toEqual([]);
    expect((await fetch(`http://127.0.0.1:${apiPort}/readyz`)).status).toBe(200);
  });

  it('leaves no process behind when the terminal hangs up', { timeout: 60_000 }, async () => {
    const dev = first!;
    expect(tree.filter(alive).length).toBe(tree.length);
    // The terminal goes away: its end of the output is closed, then the job is hung up.
    dev.child.stdout!.destroy();
    dev.child.stderr!.destroy();
    process.kill(-dev.child.pid!, 'SIGHUP');
    await dev.exited;
    await until('every process of the stack to end', () => tree.every((p) => !alive(p)), 30_000).catch(() => undefined);
    const survivors = tree.filter(alive).map((p) => `${p.pid} ${readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 120)}`);
    expect(survivors).toEqual([]);
    await expect(fetch(`http://127.0.0.1:${apiPort}/readyz`)).rejects.toThrow();
  });
});
