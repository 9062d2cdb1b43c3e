// Waiting for a state in tests: poll, never sleep for a fixed guess.

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Thrown inside a waitFor predicate to give up at once (the awaited state can no longer come). */
export class StopWaiting extends Error {}

/**
 * Polls `fn` until it returns a truthy value and returns that; throws naming `what` (and the last
 * error `fn` threw, if any) after `timeoutMs`. An error from `fn` counts as "not yet", since the
 * thing polled may be restarting; StopWaiting ends the wait at once.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      if (err instanceof StopWaiting) throw err;
      lastErr = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
    }
    await sleep(everyMs);
  }
}
