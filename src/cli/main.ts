// The CLI's entry: parse, build a client, run one command, turn errors into helpful messages and
// exit codes. `runCli` takes everything from its caller (argv, env, streams, fetch, clock) so tests
// run it in-process; `bin/backfill.mjs` calls `main()` with the real process.
import { checkFlags, parseArgs, UsageError } from './args.js';
import { ApiError, createApiClient, UnreachableError, type FetchLike } from './client.js';
import { COMMANDS, INTERRUPTED } from './commands.js';
import type { WatchOutput } from './watch.js';
import { DEFAULT_API_URL, USAGE } from './usage.js';

export interface CliIo {
  env: Record<string, string | undefined>;
  stdout: WatchOutput;
  stderr: WatchOutput;
  fetch: FetchLike;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
}

/** API field names mapped back to the flags that set them, for error messages. */
const FIELD_FLAGS: Record<string, string> = {
  symbols: '--symbols',
  start_date: '--start',
  end_date: '--end',
  timeframes: '--timeframes',
  timeframe: '--timeframe',
  start: '--start',
  end: '--end',
  adjusted: '--adjusted',
  concurrency: '--concurrency',
  limit: '--limit',
  status: '--status',
  'idempotency-key': '--idempotency-key',
};

function flagForField(field: string): string | undefined {
  const root = field.split(/[.[]/)[0] ?? field;
  return FIELD_FLAGS[field] ?? FIELD_FLAGS[root];
}

export function describeError(err: unknown): string {
  if (err instanceof UnreachableError) {
    return `${err.message}\n  Is the API running? Point the CLI at it with --api-url or BACKFILL_API_URL.`;
  }
  if (err instanceof ApiError) {
    const lines = [`${err.message} (HTTP ${err.status} ${err.code})`];
    if (err.field) {
      const flag = flagForField(err.field);
      lines.push(`  field: ${err.field}${flag ? ` (set with ${flag})` : ''}`);
    }
    if (err.status === 401) lines.push('  The API requires a key: pass --api-key or set BACKFILL_API_KEY.');
    if (err.status === 403) lines.push('  The key was refused: check --api-key or BACKFILL_API_KEY.');
    return lines.join('\n');
  }
  return (err as Error)?.message ?? String(err);
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const err = (s: string) => io.stderr.write(`${s}\n`);
  const usageError = (message: string) => {
    io.stderr.write(`backfill: ${message}\n\n${USAGE}`);
    return 1;
  };
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usageError(e.message);
  }
  const { command, flags } = parsed;
  if (command === 'help' || (flags.help && (!command || command in COMMANDS))) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (!command) {
    io.stderr.write(USAGE);
    return 1;
  }
  const run = COMMANDS[command];
  if (!run) {
    return usageError(`unknown command "${command}"`);
  }
  try {
    checkFlags(command, parsed.given);
  } catch (e) {
    return usageError((e as Error).message);
  }
  const colourWanted = flags.color ?? (!io.env.NO_COLOR && (Boolean(io.stdout.isTTY) || Boolean(io.env.FORCE_COLOR)));
  const client = createApiClient({
    baseUrl: flags['api-url'] ?? io.env.BACKFILL_API_URL ?? DEFAULT_API_URL,
    apiKey: flags['api-key'] ?? (io.env.BACKFILL_API_KEY || undefined),
    fetch: io.fetch,
  });
  try {
    return await run({
      client,
      flags,
      positionals: parsed.positionals,
      stdout: io.stdout,
      stderr: io.stderr,
      style: { enabled: colourWanted },
      now: io.now,
      sleep: io.sleep,
      signal: io.signal,
    });
  } catch (e) {
    if (e instanceof UsageError) {
      return usageError(e.message);
    }
    err(`backfill: ${describeError(e)}`);
    return 1;
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs the CLI in this process and sets its exit code. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  const interrupt = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    // First Ctrl-C stops a watch cleanly; a second one leaves at once.
    if (++interrupts > 1) process.exit(INTERRUPTED);
    interrupt.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    process.exitCode = await runCli(argv, {
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      fetch: (input, init) => fetch(input, init),
      now: () => Date.now(),
      sleep,
      signal: interrupt.signal,
    });
  } catch (e) {
    process.stderr.write(`backfill: unexpected error: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
