// Standard Webhooks signing through the maintained `standardwebhooks` package: no hand-written
// HMAC, so the headers are exactly what its `Webhook.verify` (and every other implementation of the
// spec) accepts.
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/**
 * The three headers of one attempt: the id is the delivery's, the timestamp the attempt's. With a
 * `previous` secret (a rotation's grace) the signature header carries one signature under each,
 * space-separated as the spec allows, so a receiver verifies with whichever secret it holds.
 */
export function signedHeaders(secret: string, id: string, at: Date, body: string, previous?: string | null): SignedHeaders {
  const signature = [secret, ...(previous ? [previous] : [])].map((s) => new Webhook(s).sign(id, at, body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature };
}

/** A new endpoint secret in the spec's form: `whsec_` and 32 random bytes in base64. */
export function generateSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}
