// A tiny HTTP proxy in front of the Polygon simulator for faults the simulator cannot time
// precisely: a 429 storm (a share of requests answered 429 for as long as the storm lasts, with a
// chosen Retry-After or none), switched on and off by the scenario. Everything else is forwarded
// untouched (the Host header too, so the simulator's next_url points back at the proxy).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rng as makeRng } from './random.js';

export interface StormOptions {
  /** Share of requests answered 429 while the storm lasts. */
  rate: number;
  /** Retry-After in seconds; null sends none. */
  retryAfterSeconds: number | null;
}

export interface FaultProxy {
  url: string;
  storm(opts: StormOptions | null): void;
  stats(): { forwarded: number; injected429: number; withRetryAfter: number };
  close(): Promise<void>;
}

export async function startFaultProxy(target: string, seed: number): Promise<FaultProxy> {
  const t = new URL(target);
  const dice = makeRng(seed);
  let storm: StormOptions | null = null;
  const stats = { forwarded: 0, injected429: 0, withRetryAfter: 0 };
  const server = http.createServer((req, res) => {
    const s = storm;
    if (s && !req.url?.startsWith('/_sim/') && dice.next() < s.rate) {
      stats.injected429++;
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (s.retryAfterSeconds !== null) {
        headers['retry-after'] = String(s.retryAfterSeconds);
        stats.withRetryAfter++;
      }
      res.writeHead(429, headers);
      res.end(JSON.stringify({ status: 'ERROR', request_id: `proxy-${stats.injected429}`, error: "You've exceeded the maximum requests per minute, please wait or upgrade your subscription to continue." }));
      return;
    }
    stats.forwarded++;
    const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode ?? 502, ur.headers);
      ur.pipe(res);
      ur.on('error', () => res.destroy());
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    storm: (o) => void (storm = o),
    stats: () => ({ ...stats }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
