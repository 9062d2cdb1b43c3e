// One delivery attempt over node:http(s): the connection goes only to an address the policy allows
// (checked on what the name resolved to, in the socket's own lookup, so a DNS answer cannot change
// between the check and the connect), redirects are not followed (node:http never follows them), the
// whole attempt has a deadline and at most MAX_RESPONSE_BYTES of the answer are read.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { assertAllowedAddress, checkWebhookUrl, WebhookAddressError } from './address.js';
import { signedHeaders } from './sign.js';

export const WEBHOOK_TIMEOUT_MS = 10_000;
export const MAX_RESPONSE_BYTES = 4_096;

export interface AttemptRequest {
  url: string;
  id: string;
  body: string;
  secret: string;
  /** A rotation's replaced secret, while its grace lasts: it signs the attempt too. */
  previousSecret?: string | null;
  allowPrivate: boolean;
  /** Defaults to WEBHOOK_TIMEOUT_MS. */
  timeoutMs?: number;
  now?: () => Date;
  /** Name resolution (dns.lookup with all: true); tests substitute one that answers chosen addresses. */
  resolve?: Resolver;
}

export type Resolver = (hostname: string, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

const systemResolver: Resolver = (hostname, callback) => dnsLookup(hostname, { all: true }, callback);

/** The endpoint answered (any status); `body` is its first bytes, for the delivery record. */
export interface AttemptAnswer {
  status: number;
  body: string;
}

/** dns.lookup, refusing the name when any address it resolves to is not allowed. */
function guardedLookup(allowPrivate: boolean, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, all) => {
      // The family the socket asked for (autoSelectFamily asks for both, 0).
      const family = (options as { family?: number }).family ?? 0;
      const addresses = err ? [] : all.filter((a) => family === 0 || a.family === family);
      if (err) return callback(err, '', 0);
      try {
        if (addresses.length === 0) throw new WebhookAddressError(`${hostname} resolves to no address`);
        for (const a of all) assertAllowedAddress(a.address, allowPrivate);
      } catch (e) {
        return callback(e as NodeJS.ErrnoException, '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

/** Sends the signed POST once. Resolves with the answer, rejects when there was none (or the address is refused). */
export async function attemptDelivery(req: AttemptRequest): Promise<AttemptAnswer> {
  const url = checkWebhookUrl(req.url, req.allowPrivate);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // An IP literal is connected to without a lookup: check it here.
  if (isIP(host)) assertAllowedAddress(host, req.allowPrivate);
  const headers = {
    ...signedHeaders(req.secret, req.id, (req.now ?? (() => new Date()))(), req.body, req.previousSecret),
    'content-type': 'application/json',
    'user-agent': 'polygon-backfill-webhooks/1',
    'content-length': String(Buffer.byteLength(req.body)),
  };
  const transport = url.protocol === 'https:' ? https : http;
  const timeoutMs = req.timeoutMs ?? WEBHOOK_TIMEOUT_MS;
  return new Promise<AttemptAnswer>((resolve, reject) => {
    const r = transport.request(url, { method: 'POST', headers, lookup: guardedLookup(req.allowPrivate, req.resolve ?? systemResolver), agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8').slice(0, MAX_RESPONSE_BYTES) });
      };
      res.on('data', (chunk: Buffer) => {
        if (size >= MAX_RESPONSE_BYTES) return;
        chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
        size += chunk.length;
        // Enough read: the rest of a large answer is not worth the bandwidth or the memory.
        if (size >= MAX_RESPONSE_BYTES) {
          res.destroy();
          done();
        }
      });
      res.on('end', done);
      res.on('error', () => done());
    });
    const timer = setTimeout(() => r.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { name: 'TimeoutError' })), timeoutMs);
    r.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    r.end(req.body);
  });
}
