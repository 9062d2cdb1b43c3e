import http from 'node:http';
import https from 'node:https';
import { TransientError } from './errors.js';

export interface TransportRequest {
  url: URL;
  headers: Record<string, string>;
  signal?: AbortSignal;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  /** Key-free path for error messages. */
  path: string;
  /** Applied to every message built from a lower layer's error text. */
  scrub: (text: string) => string;
}

export interface TransportResponse {
  status: number;
  retryAfter: string | null;
  /** The body's bytes: the aggregates parser reads them as they are; text is decoded only where needed. */
  body: Buffer;
  bytes: number;
}

/**
 * One GET, body read in full. Timeouts and network failures reject with TransientError; an aborted
 * `signal` rejects with the signal's reason so cancellation is never mistaken for a retryable fault.
 */
export interface Transport {
  request(req: TransportRequest): Promise<TransportResponse>;
  close(): void;
}

export function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

function networkError(e: unknown, r: TransportRequest): TransientError {
  const err = e as { code?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  // fetch wraps the socket error as `cause`; that is the informative part.
  const inner = err?.cause && typeof err.cause === 'object' ? err.cause : err;
  const code = typeof inner?.code === 'string' ? `${inner.code} ` : '';
  const msg = typeof inner?.message === 'string' ? inner.message : String(e);
  // The original error is not attached as `cause`: lower layers may hold request objects.
  return new TransientError(r.scrub(`network error: ${code}${msg}`), { path: r.path });
}

/**
 * The default transport, on node:http(s): the only way to observe the TCP connect and time it out on
 * its own (fetch offers no connect timeout without undici's Agent, which is not a dependency here).
 * Keep-alive agents are per transport, so every client owns its sockets.
 */
export function createNodeTransport(opts: { maxSockets?: number } = {}): Transport {
  const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 32, scheduling: 'lifo' as const };
  const httpAgent = new http.Agent(agentOpts);
  const httpsAgent = new https.Agent(agentOpts);

  return {
    request(r: TransportRequest): Promise<TransportResponse> {
      return new Promise<TransportResponse>((resolve, reject) => {
        const { signal } = r;
        if (signal?.aborted) {
          reject(abortReason(signal));
          return;
        }
        let settled = false;
        let connectTimer: NodeJS.Timeout | undefined;
        const isHttps = r.url.protocol === 'https:';
        const req = (isHttps ? https : http).request(r.url, {
          method: 'GET',
          headers: r.headers,
          agent: isHttps ? httpsAgent : httpAgent,
        });
        const onAbort = (): void => settle(abortReason(signal!));
        const totalTimer = setTimeout(
          () => settle(new TransientError(`request timed out after ${r.requestTimeoutMs} ms`, { path: r.path })),
          r.requestTimeoutMs,
        );
        function settle(err: unknown, value?: TransportResponse): void {
          if (settled) return;
          settled = true;
          clearTimeout(totalTimer);
          clearTimeout(connectTimer);
          signal?.removeEventListener('abort', onAbort);
          if (value) {
            resolve(value);
          } else {
            req.destroy();
            reject(err);
          }
        }
        signal?.addEventListener('abort', onAbort, { once: true });
        req.on('socket', (sock) => {
          if (!sock.connecting) return;
          connectTimer = setTimeout(
            () => settle(new TransientError(`connect timed out after ${r.connectTimeoutMs} ms`, { path: r.path })),
            r.connectTimeoutMs,
          );
          sock.once('connect', () => clearTimeout(connectTimer));
        });
        req.on('error', (e) => settle(networkError(e, r)));
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          let len = 0;
          res.on('data', (c: Buffer) => {
            chunks.push(c);
            len += c.length;
          });
          res.on('error', (e) => settle(networkError(e, r)));
          res.on('close', () => {
            if (!res.complete) {
              settle(new TransientError('connection closed before the response was complete', { path: r.path, status: res.statusCode ?? null }));
            }
          });
          res.on('end', () => {
            const buf = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, len);
            const ra = res.headers['retry-after'];
            settle(null, {
              status: res.statusCode ?? 0,
              retryAfter: typeof ra === 'string' ? ra : null,
              body: buf,
              bytes: len,
            });
          });
        });
        req.end();
      });
    },
    close(): void {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/**
 * Transport over an injected fetch (tests, other runtimes). fetch cannot see the TCP connect, so the
 * connect timeout bounds the wait for response headers instead. The races make timeouts and
 * cancellation work even with a fetch that ignores `signal`.
 */
export function createFetchTransport(fetchImpl: typeof fetch): Transport {
  return {
    async request(r: TransportRequest): Promise<TransportResponse> {
      const { signal } = r;
      if (signal?.aborted) throw abortReason(signal);
      const ctrl = new AbortController();
      let timeoutErr: TransientError | null = null;
      const onAbort = (): void => ctrl.abort(abortReason(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timeout = (msg: string) => (): void => {
        timeoutErr = new TransientError(msg, { path: r.path });
        ctrl.abort(timeoutErr);
      };
      const connectTimer = setTimeout(timeout(`no response within ${r.connectTimeoutMs} ms (connect timeout)`), r.connectTimeoutMs);
      const totalTimer = setTimeout(timeout(`request timed out after ${r.requestTimeoutMs} ms`), r.requestTimeoutMs);
      const aborted = new Promise<never>((_, reject) => {
        ctrl.signal.addEventListener('abort', () => reject(ctrl.signal.reason), { once: true });
      });
      aborted.catch(() => undefined);
      try {
        const res = await Promise.race([
          fetchImpl(r.url, { method: 'GET', headers: r.headers, signal: ctrl.signal, redirect: 'manual' }),
          aborted,
        ]);
        clearTimeout(connectTimer);
        const buf = await Promise.race([res.arrayBuffer(), aborted]);
        return {
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          body: Buffer.from(buf),
          bytes: buf.byteLength,
        };
      } catch (e) {
        if (signal?.aborted) throw abortReason(signal);
        if (timeoutErr) throw timeoutErr;
        throw networkError(e, r);
      } finally {
        clearTimeout(connectTimer);
        clearTimeout(totalTimer);
        signal?.removeEventListener('abort', onAbort);
      }
    },
    close(): void {},
  };
}
