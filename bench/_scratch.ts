import { Stack } from './stack.js';
import { measureJob } from './job.js';
import { fmt } from './stats.js';
import { warmSimulator } from './data.js';
import { SIM_KEY } from './stack.js';
const stack = new Stack({ verbose: false, log: (m) => console.error(m), simCacheMb: 512 });
await stack.start();
await Promise.all([stack.startApi(), stack.startWorker({ PG_POOL_MAX: process.env.POOL ?? '10' }, ['--cpu-prof', '--cpu-prof-dir', '/tmp/prof-small'])]);
const syms = Array.from({ length: Number(process.env.N ?? 150) }, (_, i) => 'S' + String.fromCharCode(65 + (i % 26)) + String.fromCharCode(65 + Math.floor(i / 26) % 26) + String.fromCharCode(65 + Math.floor(i / 676)));
await measureJob(stack, { symbols: syms.slice(0, 20).map((s) => 'W' + s), timeframes: ['1d'], start_date: '2023-01-01', end_date: '2023-03-31', adjusted: true, concurrency: 16 });
const w = await warmSimulator({ baseUrl: stack.sim.url, apiKey: SIM_KEY, symbols: syms, timeframes: ['1d', '1w'], from: '2023-01-01', to: '2023-03-31', adjusted: true });
console.log('warm', w);
const waits: Record<string, number> = {};
let on = true;
const sampler = (async () => {
  while (on) {
    const { rows } = await stack.admin.query(`select state, wait_event_type, wait_event, left(query, 60) q from pg_stat_activity where application_name = 'backfill-worker'`);
    for (const r of rows) { const k = `${r.state}|${r.wait_event_type}|${r.wait_event}|${r.state === 'active' || r.wait_event === 'ClientRead' ? r.q.replace(/\s+/g, ' ') : ''}`; waits[k] = (waits[k] ?? 0) + 1; }
    await new Promise((r) => setTimeout(r, 50));
  }
})();
const m = await measureJob(stack, { symbols: syms, timeframes: ['1d', '1w'], start_date: '2023-01-01', end_date: '2023-03-31', adjusted: true, concurrency: Number(process.env.C ?? 64) });
on = false; await sampler;
console.log(`units/s ${fmt(m.units.completed / m.wallMs * 1000)} busy/unit ${fmt(m.units.busyMsSum / m.units.units)} cpu`, m.cpu);
console.log(Object.entries(waits).sort((a, b) => b[1] - a[1]).slice(0, 25));
await stack.stopWorker();
const { summarizeProfile, newestProfile, renderProfile } = await import('./profile.js');
console.log(renderProfile(summarizeProfile(newestProfile('/tmp/prof-small')!)));
await stack.stop();
