// The webhook sender's own rules, without Postgres or Temporal: which addresses may be called
// (literal and resolved), how an attempt's answer is classified, that signatures verify with the
// standardwebhooks package, and that an attempt follows no redirect, stops at its deadline and
// reads a bounded part of the answer.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  attemptDelivery,
  checkWebhookUrl,
  classifyError,
  classifyStatus,
  generateSecret,
  isNonPublicAddress,
  MAX_RESPONSE_BYTES,
  seal,
  signedHeaders,
  unseal,
  WebhookAddressError,
} from '../../src/webhooks/index.js';
import type { Resolver } from '../../src/webhooks/deliver.js';

describe('address checks', () => {
  it.each([
    '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc12::5', '::ffff:127.0.0.1', '::ffff:10.0.0.1', 'ff02::1',
  ])('%s is not public', (a) => expect(isNonPublicAddress(a)).toBe(true));

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '100.128.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (a) =>
    expect(isNonPublicAddress(a)).toBe(false),
  );

  it('refuses non-http(s) schemes, credentials and private literals; allows them only when private networks are allowed', () => {
    for (const u of ['ftp://example.com/x', 'file:///etc/passwd', 'javascript:alert(1)', 'gopher://x', 'not a url']) {
      expect(() => checkWebhookUrl(u, true), u).toThrow(WebhookAddressError);
    }
    expect(() => checkWebhookUrl('https://user:pw@example.com/', true)).toThrow(/credentials/);
    for (const u of ['http://127.0.0.1:8080/', 'http://[::1]/', 'http://169.254.169.254/latest/meta-data', 'http://localhost:9000/', 'http://api.localhost/', 'http://10.0.0.8/']) {
      expect(() => checkWebhookUrl(u, false), u).toThrow(/WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
      expect(checkWebhookUrl(u, true).href).toBeTruthy();
    }
    expect(checkWebhookUrl('https://hooks.example.com/x?y=1', false).hostname).toBe('hooks.example.com');
  });
});

describe('retry classification', () => {
  it.each([
    [200, 'delivered'], [201, 'delivered'], [204, 'delivered'], [299, 'delivered'],
    [408, 'retry'], [429, 'retry'], [500, 'retry'], [502, 'retry'], [503, 'retry'], [504, 'retry'], [599, 'retry'],
    [400, 'reject'], [401, 'reject'], [403, 'reject'], [404, 'reject'], [410, 'reject'], [413, 'reject'], [422, 'reject'],
    [301, 'reject'], [302, 'reject'], [307, 'reject'], [100, 'reject'],
  ] as const)('HTTP %i: %s', (status, verdict) => expect(classifyStatus(status)).toBe(verdict));

  it('errors without an answer retry, except a refused address', () => {
    expect(classifyError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe('retry');
    expect(classifyError(Object.assign(new Error('no answer'), { name: 'TimeoutError' }))).toBe('retry');
    expect(classifyError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe('retry');
    expect(classifyError(new WebhookAddressError('private'))).toBe('reject');
  });
});

describe('signing and sealing', () => {
  it('signs so that standardwebhooks verifies, and a changed body or secret does not', () => {
    const secret = generateSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const body = JSON.stringify({ type: 'backfill.completed', data: { job_id: 'x' } });
    const headers = signedHeaders(secret, 'msg_1', new Date(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('x', 'y'), { ...headers })).toThrow();
    expect(() => new Webhook(generateSecret()).verify(body, { ...headers })).toThrow();
    // An attempt signed long ago is refused by receivers (replay protection): each attempt signs at its own time.
    const old = signedHeaders(secret, 'msg_1', new Date(Date.now() - 3_600_000), body);
    expect(() => new Webhook(secret).verify(body, { ...old })).toThrow(/timestamp/i);
  });

  it('seals secrets so the stored text does not contain them and opens only with the key', () => {
    const key = Buffer.alloc(32, 7);
    const secret = generateSecret();
    const sealed = seal(key, secret);
    expect(sealed).not.toContain(secret.slice(6, 20));
    expect(seal(key, secret)).not.toBe(sealed);
    expect(unseal(key, sealed)).toBe(secret);
    expect(() => unseal(Buffer.alloc(32, 8), sealed)).toThrow();
  });
});

describe('one attempt over HTTP', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ path: string; headers: Record<string, string | string[] | undefined>; body: string }> = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ path: req.url!, headers: req.headers, body });
        if (req.url === '/redirect') return void res.writeHead(302, { location: `${base}/ok` }).end();
        if (req.url === '/slow') return; // never answers
        if (req.url === '/big') return void res.writeHead(500).end('x'.repeat(1_000_000));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const secret = generateSecret();
  const send = (path: string, extra: Partial<Parameters<typeof attemptDelivery>[0]> = {}) =>
    attemptDelivery({ url: `${base}${path}`, id: 'msg_test', body: '{"a":1}', secret, allowPrivate: true, ...extra });

  it('posts the signed body, verifiable by the receiver', async () => {
    expect((await send('/ok')).status).toBe(204);
    const got = seen.at(-1)!;
    expect(got.headers['webhook-id']).toBe('msg_test');
    expect(new Webhook(secret).verify(got.body, got.headers as Record<string, string>)).toEqual({ a: 1 });
  });

  it('does not follow a redirect', async () => {
    const n = seen.length;
    expect((await send('/redirect')).status).toBe(302);
    expect(seen.slice(n).map((s) => s.path)).toEqual(['/redirect']);
  });

  it('gives up at its deadline', async () => {
    await expect(send('/slow', { timeoutMs: 300 })).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('reads at most a few KB of the answer', async () => {
    const a = await send('/big');
    expect(a.status).toBe(500);
    expect(a.body.length).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
  });

  it('refuses a loopback endpoint unless private networks are allowed', async () => {
    await expect(send('/ok', { allowPrivate: false })).rejects.toBeInstanceOf(WebhookAddressError);
  });

  it('checks the addresses a name resolves to, not just the name', async () => {
    const port = new URL(base).port;
    const to = (address: string): Resolver => (_host, cb) => cb(null, [{ address, family: 4 }]);
    const n = seen.length;
    // A public-looking name whose DNS answer is loopback (or cloud metadata) is refused before any byte is sent.
    await expect(attemptDelivery({ url: `http://hooks.example.com:${port}/ok`, id: 'm', body: '{}', secret, allowPrivate: false, resolve: to('127.0.0.1') })).rejects.toThrow(/private, loopback or link-local/);
    await expect(attemptDelivery({ url: `http://hooks.example.com:${port}/ok`, id: 'm', body: '{}', secret, allowPrivate: false, resolve: to('169.254.169.254') })).rejects.toThrow(WebhookAddressError);
    // One private address among public ones is enough to refuse.
    const mixed: Resolver = (_h, cb) => cb(null, [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.1', family: 4 }]);
    await expect(attemptDelivery({ url: `http://hooks.example.com:${port}/ok`, id: 'm', body: '{}', secret, allowPrivate: false, resolve: mixed })).rejects.toThrow(WebhookAddressError);
    expect(seen.length).toBe(n);
    // Allowed, the same name reaches the (loopback) server.
    expect((await attemptDelivery({ url: `http://hooks.example.com:${port}/ok`, id: 'm', body: '{}', secret, allowPrivate: true, resolve: to('127.0.0.1') })).status).toBe(204);
    expect(seen.length).toBe(n + 1);
  });
});
