// `npm run dev`: the whole stack on one machine. Temporal dev server (SQLite under .data/, Web UI
// on 8233), migrations, the Polygon simulator when no key is set, a worker and the API as child
// processes. Ctrl-C stops everything it started. `--demo` also starts a backfill and follows it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { connect, createServer } from 'node:net';
import { loadConfig, ConfigError, type Config } from './config.js';
import { migrate } from './db/migrate.js';
import { startDevServer, type DevServer } from './temporal/dev-server.js';
// @ts-expect-error plain ESM helper shared with npm scripts
import { projectRoot } from '../scripts/temporal-cli.mjs';
import { isFinalJobStatus } from '../workflows/vocabulary.js';

const args = new Set(process.argv.slice(2));
const demo = args.has('--demo');
const SIM_KEY = 'simulator-dev-key';

function say(msg: string) {
  process.stdout.write(`[dev] ${msg}\n`);
}

// A closed terminal turns every write into EIO/EPIPE: that must not crash the shutdown it starts.
for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);

/** True when something else already listens on host:port (what the listen below would hit). */
function portTaken(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'EADDRINUSE' || e.code === 'EACCES'));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(false)));
  });
}

interface NeededPort {
  host: string;
  port: number;
  /** The variable that sets it. */
  variable: string;
}

const portInUse = (p: NeededPort) =>
  `port ${p.port} (${p.variable}) is already in use: is another \`npm run dev\` running? Stop it, or set ${p.variable} to a free port.`;

const isAddrInUse = (err: unknown) => (err as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';

function listening(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, host);
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

function prefixed(child: ChildProcess, name: string) {
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.on('data', (b: Buffer) => {
      buf += b.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        process.stdout.write(`[${name}] ${buf.slice(0, i)}\n`);
        buf = buf.slice(i + 1);
      }
    });
  }
}

async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const stops: Array<() => Promise<void>> = [];
  const children: ChildProcess[] = [];
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('stopping...');
    for (const c of children) c.kill('SIGTERM');
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : undefined)));
    for (const stop of stops.reverse()) await stop().catch((e) => say(`stop failed: ${(e as Error).message}`));
    say('stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  // The terminal was closed: the Temporal server is in its own process group and gets no hang-up.
  process.on('SIGHUP', () => void stopAll(0));
  try {
    await run(config, stops, children, () => stopping, stopAll);
  } catch (err) {
    if (isAddrInUse(err)) console.error(`[dev] a port is already in use: ${(err as Error).message}`);
    else console.error(`[dev] failed: ${(err as Error).message}`);
    await stopAll(1);
  }
}

async function run(
  config: Config,
  stops: Array<() => Promise<void>>,
  children: ChildProcess[],
  stopping: () => boolean,
  stopAll: (code: number) => Promise<void>,
) {
  const [tHost, tPortStr] = config.TEMPORAL_ADDRESS.split(':');
  const tPort = Number(tPortStr ?? 7233);
  const temporalUp = await listening(tHost ?? '127.0.0.1', tPort);
  const uiPort = Number(new URL(config.TEMPORAL_UI_URL).port || 8233);
  const simPort = Number(process.env.POLYGON_SIM_PORT ?? 9100);
  // Every port this run will listen on, checked before anything starts: a second `npm run dev`
  // says which port and which variable moves it, instead of dying half-started with a stack trace.
  const needed: NeededPort[] = [];
  if (config.API_PORT !== 0) needed.push({ host: config.API_HOST, port: config.API_PORT, variable: 'API_PORT' });
  if (!config.polygonApiKey) needed.push({ host: '127.0.0.1', port: simPort, variable: 'POLYGON_SIM_PORT' });
  if (!temporalUp) needed.push({ host: '127.0.0.1', port: uiPort, variable: 'TEMPORAL_UI_URL' });
  const taken: NeededPort[] = [];
  for (const p of needed) if (await portTaken(p.host, p.port)) taken.push(p);
  if (taken.length) {
    for (const p of taken) console.error(`[dev] ${portInUse(p)}`);
    return stopAll(1);
  }

  let uiUrl = config.TEMPORAL_UI_URL;
  if (temporalUp) {
    say(`using the Temporal server already listening at ${config.TEMPORAL_ADDRESS}`);
  } else {
    // DEV_DATA_DIR: tests run a whole dev stack without touching the developer's own state.
    const dataDir = process.env.DEV_DATA_DIR ?? join(projectRoot, '.data');
    mkdirSync(dataDir, { recursive: true });
    say(`starting the Temporal dev server (state in ${join(dataDir, 'temporal.sqlite')})...`);
    const server: DevServer = await startDevServer({
      port: tPort,
      uiPort,
      dbFile: join(dataDir, 'temporal.sqlite'),
      logLevel: 'warn',
    });
    stops.push(() => server.stop());
    uiUrl = `http://localhost:${uiPort}`;
  }

  say('applying migrations...');
  const m = await migrate(config.DATABASE_URL);
  say(m.applied.length ? `applied ${m.applied.join(', ')}` : 'schema up to date');

  const env: NodeJS.ProcessEnv = { ...process.env };
  if (!config.polygonApiKey) {
    const { startPolygonSim } = await import('./polygon-sim/index.js');
    const sim = await startPolygonSim({ port: simPort, host: '127.0.0.1', apiKeys: [SIM_KEY] }).catch((err: unknown) => {
      // Taken between the check above and now.
      throw isAddrInUse(err) ? new Error(portInUse({ host: '127.0.0.1', port: simPort, variable: 'POLYGON_SIM_PORT' })) : err;
    });
    stops.push(() => sim.close());
    env.POLYGON_BASE_URL = sim.url;
    env.POLYGON_API_KEY = SIM_KEY;
    say(`no POLYGON_API_KEY set: using the project's Polygon simulator at ${sim.url} (synthetic bars, not market data)`);
  } else {
    say(`using Polygon at ${config.POLYGON_BASE_URL} (rate limit ${config.POLYGON_RATE_LIMIT_RPM || 'unlimited'} requests/min)`);
  }

  // Local receivers (a webhook on localhost) are the point of a dev stack; production refuses them.
  if (env.WEBHOOK_ALLOW_PRIVATE_NETWORKS === undefined) {
    env.WEBHOOK_ALLOW_PRIVATE_NETWORKS = 'true';
    say('WEBHOOK_ALLOW_PRIVATE_NETWORKS=true: webhooks may go to localhost and private addresses (dev only)');
  }

  const tsx = join(projectRoot, 'node_modules', '.bin', 'tsx');
  for (const [name, file] of [
    ['worker', 'src/worker.ts'],
    ['api', 'src/api/server.ts'],
  ] as const) {
    const child = spawn(tsx, [join(projectRoot, file)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    prefixed(child, name);
    child.once('exit', (code, signal) => {
      if (!stopping()) {
        say(`${name} exited (${signal ?? code}); stopping the stack`);
        void stopAll(1);
      }
    });
    children.push(child);
  }

  const apiUrl = `http://127.0.0.1:${config.API_PORT}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const r = await fetch(`${apiUrl}/readyz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) {
      say('the API did not become ready within 120 s');
      return stopAll(1);
    }
    await new Promise((r) => setTimeout(r, 500));
  }

  const auth = config.apiKeys[0] ? ` -H 'Authorization: Bearer <one of API_KEYS>'` : '';
  const body = JSON.stringify({ symbols: ['AAPL', 'MSFT'], start_date: '2024-01-02', end_date: '2024-03-28', timeframes: ['1d', '1h'] });
  say('ready');
  say(`API:               ${apiUrl}   (docs ${apiUrl}/docs, dashboard ${apiUrl}/)`);
  say(`Temporal Web UI:   ${uiUrl}`);
  say(`start a backfill:  curl -s -X POST ${apiUrl}/api/v1/backfill -H 'Content-Type: application/json'${auth} -d '${body}'`);
  say('Ctrl-C stops everything');

  if (demo) await runDemo(apiUrl, config.apiKeys[0], body);
}

async function runDemo(apiUrl: string, apiKey: string | undefined, body: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  const res = await fetch(`${apiUrl}/api/v1/backfill`, { method: 'POST', headers, body });
  const job = (await res.json()) as { job_id: string; temporal_ui_url?: string };
  if (res.status !== 202) {
    say(`demo backfill was refused: ${res.status} ${JSON.stringify(job)}`);
    return;
  }
  say(`demo backfill ${job.job_id} started (${job.temporal_ui_url ?? ''})`);
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    const s = (await (await fetch(`${apiUrl}/api/v1/backfill/status/${job.job_id}`, { headers })).json()) as Record<string, unknown>;
    say(`demo: ${s.status} ${s.progress_pct}% fetched=${s.total_records_fetched} new=${s.total_records_inserted}`);
    if (isFinalJobStatus(String(s.status))) {
      say(`demo backfill finished: ${s.status}. The stack keeps running; Ctrl-C stops it.`);
      return;
    }
  }
}

await main();
