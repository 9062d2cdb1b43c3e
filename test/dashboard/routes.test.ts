// The dashboard's router (no browser): what it serves, with which headers, and that the API app
// mounts it. The page's formatting module is plain JS, checked here too.
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { createDashboardRoutes } from '../../src/dashboard/routes.js';
import { createApp } from '../../src/api/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Pool } from '../../src/db/pool.js';

const ASSETS = fileURLToPath(new URL('../../src/dashboard/assets/', import.meta.url));

describe('dashboard routes', () => {
  const app = createDashboardRoutes();

  it('serves the page with a strict same-origin CSP', async () => {
    const res = await app.request('/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|https?:/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await res.text();
    expect(html).toContain('<script type="module" src="/assets/app.js"></script>');
    // No CDN: every reference is to this server.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves every asset the page and its modules reference, with the right type', async () => {
    const html = readFileSync(`${ASSETS}index.html`, 'utf8');
    const refs = new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!));
    for (const file of readdirSync(ASSETS).filter((f) => f.endsWith('.js'))) {
      const js = readFileSync(`${ASSETS}${file}`, 'utf8');
      for (const m of js.matchAll(/from '\.\/([^']+)'/g)) refs.add(`/assets/${m[1]}`);
    }
    expect(refs.size).toBeGreaterThanOrEqual(6);
    const types: Record<string, string> = { js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml' };
    for (const ref of refs) {
      const res = await app.request(ref);
      expect(res.status, ref).toBe(200);
      expect(res.headers.get('content-type'), ref).toContain(types[ref.split('.').pop()!]);
    }
  });

  it('answers a matching ETag with 304', async () => {
    const first = await app.request('/assets/app.css');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('no-cache');
    const again = await app.request('/assets/app.css', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
  });

  it('serves nothing outside its asset list', async () => {
    for (const path of ['/assets/nope.js', '/assets/..%2Froutes.ts', '/assets/%2e%2e/routes.ts', '/assets/', '/routes.ts']) {
      expect((await app.request(path)).status, path).toBe(404);
    }
  });

  it('is mounted at / by the API app, outside API-key auth', async () => {
    const config = loadConfig({ API_KEYS: 'k1', LOG_LEVEL: 'silent' });
    const api = createApp({ config, pool: {} as Pool, temporal: {} as Client, logger: createLogger(config) });
    const page = await api.request('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Backfill');
    expect((await api.request('/assets/app.js')).status).toBe(200);
    expect((await api.request('/api/v1/backfill/recent')).status).toBe(401);
  });
});

describe('dashboard formatting (fmt.js)', async () => {
  const fmtUrl = new URL('../../src/dashboard/assets/fmt.js', import.meta.url).href;
  const f = (await import(fmtUrl)) as Record<string, (...a: unknown[]) => unknown>;

  it('formats figures for dense tables', () => {
    expect(f.int!(1234567)).toBe('1,234,567');
    expect(f.int!(null)).toBe('—');
    expect(f.compact!(1_234_567)).toBe('1.23M');
    expect(f.compact!(12_345)).toBe('12.3k');
    expect(f.pct!(37.46)).toBe('37.5%');
    expect(f.duration!(75)).toBe('1m15s');
    expect(f.duration!(3725)).toBe('1h02m');
    expect(f.durationPrecise!(0.44)).toBe('0.4s');
    expect(f.durationPrecise!(12)).toBe('12s');
    expect(f.ago!('2024-05-01T10:00:00Z', Date.parse('2024-05-01T10:05:30Z'))).toBe('5m ago');
    expect(f.statusLabel!('completed_with_errors')).toBe('errors');
    expect(f.shortId!('7cdf8949-5345-4156-8daf-52628b1af7da')).toBe('7cdf8949');
  });

  it('reads a symbol list the way people type it', () => {
    expect(f.parseSymbols!(' aapl, MSFT;nvda  AAPL\n brk.b ALLpB')).toEqual(['AAPL', 'MSFT', 'NVDA', 'BRK.B', 'ALLpB']);
    expect(f.parseSymbols!('  ')).toEqual([]);
  });
});
