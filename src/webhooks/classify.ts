// What an attempt's result means for the delivery (issue 14): a 2xx delivers; a timeout, a
// connection error, 408, 429 or a 5xx is worth another attempt; any other answer (4xx, a redirect,
// which is never followed) will not change by retrying, so the delivery fails at once.

export type AttemptVerdict = 'delivered' | 'retry' | 'reject';

export function classifyStatus(status: number): AttemptVerdict {
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'reject';
}

/** An attempt that got no HTTP answer: timeouts and network errors retry; a refused address does not. */
export function classifyError(err: unknown): AttemptVerdict {
  return (err as Error | undefined)?.name === 'WebhookAddressError' ? 'reject' : 'retry';
}
