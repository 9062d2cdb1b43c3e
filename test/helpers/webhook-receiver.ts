// A webhook receiver as a customer would write one: it verifies every request with the
// standardwebhooks package (the secret it was given when the job was created), answers with the
// status its script says for that attempt, and accepts an event once per webhook-id (receivers
// deduplicate: the id is the same on every attempt).
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedRequest {
  id: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether standardwebhooks verified it (else `error` says why). */
  verified: boolean;
  error?: string;
  answered: number;
}

export interface WebhookReceiver {
  url: string;
  /** Every request, in arrival order. */
  requests: ReceivedRequest[];
  /** Events accepted (verified, answered 2xx), once per webhook-id. */
  accepted: Map<string, { type: string; data: Record<string, unknown> }>;
  /** The secret requests are verified with (set it once the POST answered with it). */
  secret: string | null;
  /** How to answer the n-th (1-based) request for one webhook-id; 204 by default. */
  answer: (attempt: number, id: string) => number;
  close(): Promise<void>;
}

export async function startWebhookReceiver(path = '/hook'): Promise<WebhookReceiver> {
  const attempts = new Map<string, number>();
  const r: WebhookReceiver = {
    url: '',
    requests: [],
    accepted: new Map(),
    secret: null,
    answer: () => 204,
    close: async () => undefined,
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id'] ?? '');
      let verified = false;
      let error: string | undefined;
      let event: { type: string; data: Record<string, unknown> } | undefined;
      try {
        if (!r.secret) throw new Error('no secret yet');
        event = new Webhook(r.secret).verify(body, req.headers as Record<string, string>) as typeof event;
        verified = true;
      } catch (err) {
        error = (err as Error).message;
      }
      // A request it cannot verify yet (the test has not read the secret from the POST answer):
      // 503, which the sender retries; it does not count as one of the scripted attempts.
      const n = verified ? (attempts.get(id) ?? 0) + 1 : 0;
      if (verified) attempts.set(id, n);
      const status = verified ? r.answer(n, id) : r.secret ? 401 : 503;
      r.requests.push({ id, headers: req.headers, body, verified, error, answered: status });
      if (verified && status >= 200 && status < 300 && !r.accepted.has(id)) r.accepted.set(id, event!);
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'try again');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  r.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return r;
}
