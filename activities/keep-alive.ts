import type { Context } from '@temporalio/activity';

/**
 * Heartbeats on a timer as well as after each page: a unit can legitimately go longer than its
 * heartbeat timeout without finishing a page (waiting for a rate-limiter slot, a slow response),
 * and heartbeats are also how a cancellation reaches a running activity. The SDK throttles the
 * calls, so a short interval costs nothing.
 */
export function keepAlive(ctx: Context, details: () => unknown): { stop(): void } {
  const timeoutMs = ctx.info.heartbeatTimeoutMs ?? 30_000;
  const timer = setInterval(() => ctx.heartbeat(details()), Math.max(200, Math.floor(timeoutMs / 3)));
  timer.unref();
  ctx.heartbeat(details());
  return { stop: () => clearInterval(timer) };
}
