// The dashboard: one HTML page plus hand-written CSS and ES modules from ./assets, all served from
// memory by this router (no CDN, no bundler). The page talks to the same origin's /api/v1 routes.
// Mount with `app.route('/', createDashboardRoutes())`.
import { Hono } from 'hono';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ASSET_DIR = fileURLToPath(new URL('./assets/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
};

/** Same-origin only: no inline script, no third-party anything. */
const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: ArrayBuffer;
  type: string;
  etag: string;
}

export interface DashboardOptions {
  /** Where the page's files live; tests may point elsewhere. */
  assetDir?: string;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (!type) continue;
    const file = readFileSync(join(dir, name));
    const etag = `"${createHash('sha1').update(file).digest('base64url').slice(0, 16)}"`;
    const body = new ArrayBuffer(file.byteLength);
    new Uint8Array(body).set(file);
    assets.set(name, { body, type, etag });
  }
  return assets;
}

export function createDashboardRoutes(opts: DashboardOptions = {}): Hono {
  // Read once: the set of files is fixed, so no request can name a path outside it.
  const assets = loadAssets(opts.assetDir ?? ASSET_DIR);
  const app = new Hono();

  const serve = (name: string, ifNoneMatch: string | undefined) => {
    const a = assets.get(name);
    if (!a) return undefined;
    const headers: Record<string, string> = {
      'content-type': a.type,
      etag: a.etag,
      // Revalidate every time: cheap (304) and a new deploy is seen at once.
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    };
    if (a.type.startsWith('text/html')) {
      headers['content-security-policy'] = CSP;
      headers['x-frame-options'] = 'DENY';
    }
    if (ifNoneMatch && ifNoneMatch === a.etag) return new Response(null, { status: 304, headers });
    return new Response(a.body, { status: 200, headers });
  };

  app.get('/', (c) => serve('index.html', c.req.header('if-none-match')) ?? c.notFound());
  app.get('/dashboard', (c) => c.redirect('/', 302));
  app.get('/favicon.ico', (c) => c.redirect('/assets/favicon.svg', 302));
  app.get('/assets/:name', (c) => serve(c.req.param('name'), c.req.header('if-none-match')) ?? c.notFound());
  return app;
}
