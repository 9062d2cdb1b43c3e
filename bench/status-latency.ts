// The status-latency figure: GET /api/v1/backfill/status/{id} under load. `pollers` concurrent clients, each in a
// closed loop (request, wait for the full response, pause `thinkMs`, again) for as long as the job
// runs (or `maxMs`). Every request is timed from send to last byte; a non-200 or a network error
// counts as an error. Keep-alive connections, like a browser dashboard.
import http from 'node:http';
import { percentile } from './stats.js';

export interface PollResult {
  requests: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  durationMs: number;
  rps: number;
  firstErrors: string[];
}

export interface Poller {
  stop(): Promise<PollResult>;
}

export function startPollers(apiUrl: string, jobId: string, opts: { pollers: number; thinkMs: number; maxMs: number }): Poller {
  const url = new URL(`/api/v1/backfill/status/${jobId}`, apiUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.pollers });
  const lat: number[] = [];
  const firstErrors: string[] = [];
  let errors = 0;
  let running = true;
  const t0 = performance.now();
  const one = () =>
    new Promise<void>((resolve) => {
      const s = performance.now();
      const req = http.get(url, { agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          lat.push(performance.now() - s);
          if (res.statusCode !== 200) {
            errors++;
            if (firstErrors.length < 5) firstErrors.push(`HTTP ${res.statusCode}`);
          }
          resolve();
        });
        res.on('error', (e) => {
          errors++;
          if (firstErrors.length < 5) firstErrors.push(e.message);
          resolve();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout after 10 s')));
      req.on('error', (e) => {
        errors++;
        if (firstErrors.length < 5) firstErrors.push(e.message);
        resolve();
      });
    });
  const loop = async () => {
    while (running && performance.now() - t0 < opts.maxMs) {
      await one();
      if (opts.thinkMs > 0) await new Promise((r) => setTimeout(r, opts.thinkMs));
    }
  };
  const loops = Array.from({ length: opts.pollers }, loop);
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      const durationMs = performance.now() - t0;
      return {
        requests: lat.length,
        errors,
        p50: percentile(lat, 50),
        p90: percentile(lat, 90),
        p99: percentile(lat, 99),
        max: percentile(lat, 100),
        durationMs,
        rps: (lat.length / durationMs) * 1000,
        firstErrors,
      };
    },
  };
}

/**
 * The API's own event-loop delay since the previous call (prom-client's nodejs_eventloop_lag_*
 * gauges, which it resets at every scrape): tells a stall inside the API (GC, a long task) from
 * time the request spent waiting for a CPU or in the client.
 */
export async function apiLoopDelay(apiUrl: string): Promise<{ p99Ms: number; maxMs: number } | null> {
  const res = await fetch(new URL('/metrics', apiUrl)).catch(() => null);
  if (!res?.ok) return null;
  const text = await res.text();
  const gauge = (name: string) => {
    const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
    return m ? Number(m[1]) * 1000 : NaN;
  };
  return { p99Ms: gauge('nodejs_eventloop_lag_p99_seconds'), maxMs: gauge('nodejs_eventloop_lag_max_seconds') };
}
