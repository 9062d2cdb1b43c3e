/**
 * Measures the simulator's serving rate and the client's fetch + parse rate over loopback:
 * `npx tsx src/polygon-sim/bench.ts [ticker] [timeframe] [from] [to]` (default AAPL 1m over 2023).
 * "cold" is a fresh simulator (bars generated on demand), "warm" a pass over its cache. Rates are
 * given per wall second and per CPU second of this process, the latter being meaningful on a
 * machine shared with other work. The client pass talks to a simulator in a child process, so its
 * CPU figure is the client's alone.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CalendarSet } from '../calendar/index.js';
import { planWindows } from '../planner/index.js';
import { createNodeTransport, PolygonClient, parseDateToDay, parseTimeframe } from '../polygon/index.js';
import { expectedBarCount } from './expected.js';
import { startPolygonSim } from './start.js';

const [ticker = 'AAPL', label = '1m', from = '2023-01-01', to = '2023-12-31'] = process.argv.slice(2);
const tf = parseTimeframe(label);
const cal = new CalendarSet().forTicker(ticker);
const bars = expectedBarCount(ticker, tf, from, to, true);
const fmt = (n: number, ms: number): string => `${Math.round((n / ms) * 1000).toLocaleString('en-US')}`;

async function timed(fn: () => Promise<number>): Promise<{ n: number; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const n = await fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { n, wall, cpu: (c.user + c.system) / 1000 };
}

async function serving(): Promise<void> {
  // In-process on purpose: this process's CPU time is then the server's (plus reading the bytes).
  const sim = await startPolygonSim({ thread: false });
  const transport = createNodeTransport();
  const urls = [...planWindows(cal, tf, parseDateToDay(from)!, parseDateToDay(to)!, 50_000)].map(
    (w) => new URL(`${sim.url}/v2/aggs/ticker/${encodeURIComponent(ticker)}/range/${tf.multiplier}/${tf.timespan}/${w.from}/${w.to}?adjusted=true&sort=asc&limit=50000`),
  );
  // Warm the JIT on another ticker first, so "cold" measures generation, not compilation.
  for (const w of planWindows(cal, tf, parseDateToDay(from)!, parseDateToDay(from)! + 90, 50_000)) {
    const url = new URL(`${sim.url}/v2/aggs/ticker/WARMUP/range/${tf.multiplier}/${tf.timespan}/${w.from}/${w.to}?limit=50000`);
    await transport.request({ url, headers: { authorization: 'Bearer bench' }, connectTimeoutMs: 5_000, requestTimeoutMs: 120_000, path: '', scrub: (s) => s });
  }
  for (const pass of ['cold', 'warm', 'warm']) {
    let bytes = 0;
    const r = await timed(async () => {
      for (const url of urls) {
        bytes += (await transport.request({ url, headers: { authorization: 'Bearer bench' }, connectTimeoutMs: 5_000, requestTimeoutMs: 120_000, path: '', scrub: (s) => s })).bytes;
      }
      return bars;
    });
    console.log(`sim serving ${pass}: ${bars} bars, ${(bytes / 1e6).toFixed(1)} MB, ${urls.length} requests: ${fmt(bars, r.wall)} bars/s wall, ${fmt(bars, r.cpu)} bars/CPU-s`);
  }
  transport.close();
  await sim.close();
}

async function client(): Promise<void> {
  const main = fileURLToPath(new URL('./main.ts', import.meta.url));
  const child = spawn(process.execPath, [...process.execArgv, main], { env: { ...process.env, POLYGON_SIM_PORT: '0', POLYGON_SIM_HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve) => child.stdout.on('data', (d: Buffer) => resolve(/http:\/\/\S+/.exec(d.toString())![0])));
  const c = new PolygonClient({ baseUrl: url, apiKey: 'bench', verifyEmptyTicker: false });
  try {
    for (const pass of ['cold', 'warm', 'warm']) {
      const r = await timed(async () => {
        let n = 0;
        for await (const p of c.pages({ ticker, timeframe: tf, from, to, adjusted: true })) n += p.bars.count;
        return n;
      });
      console.log(`client fetch+parse ${pass}: ${r.n} bars: ${fmt(r.n, r.wall)} bars/s wall, ${fmt(r.n, r.cpu)} bars/CPU-s`);
    }
  } finally {
    c.close();
    child.kill('SIGTERM');
  }
}

console.log(`${ticker} ${label} ${from}..${to}`);
await serving();
await client();
