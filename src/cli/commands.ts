// One function per command. Each gets a context with the client and the output streams and
// returns the process exit code.
import { type ApiClient, type StartRequest } from './client.js';
import { UsageError, type Flags } from './args.js';
import { int, localTime, paint, paintStatus, pct, table, truncate, type Style } from './format.js';
import { renderStatus } from './render.js';
import { renderCoverage } from './coverage-render.js';
import { renderPlan } from './render-plan.js';
import { exitCodeForStatus, watchJob, type WatchOutput } from './watch.js';
import { scheduleCommand } from './schedule-command.js';

export interface CommandContext {
  client: ApiClient;
  flags: Flags;
  positionals: string[];
  stdout: WatchOutput;
  stderr: WatchOutput;
  style: Style;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  signal?: AbortSignal;
}

export const INTERRUPTED = 130;

function print(ctx: CommandContext, s: string): void {
  ctx.stdout.write(`${s}\n`);
}

function printJson(ctx: CommandContext, v: unknown): void {
  ctx.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
}

function jobArg(ctx: CommandContext, command: string): string {
  const [job, ...extra] = ctx.positionals;
  if (!job) throw new UsageError(`${command} needs a job id: backfill ${command} <job>`);
  if (extra.length) throw new UsageError(`${command} takes one job id, got also: ${extra.join(' ')}`);
  return job;
}

function noPositionals(ctx: CommandContext, command: string): void {
  if (ctx.positionals.length) throw new UsageError(`${command} takes no arguments, got: ${ctx.positionals.join(' ')}`);
}

async function follow(ctx: CommandContext, jobId: string, settleGraceMs = 0): Promise<number> {
  // With --json, stdout carries only JSON: live lines go to stderr.
  const out = ctx.flags.json ? ctx.stderr : ctx.stdout;
  const style = ctx.flags.json ? { enabled: Boolean(ctx.stderr.isTTY) && ctx.style.enabled } : ctx.style;
  const result = await watchJob({
    client: ctx.client,
    jobId,
    out,
    style,
    intervalMs: Math.round((ctx.flags.interval ?? 1) * 1000),
    now: ctx.now,
    sleep: ctx.sleep,
    signal: ctx.signal,
    settleGraceMs,
  });
  if (result.kind === 'interrupted') {
    ctx.stderr.write(`stopped watching; job ${jobId} goes on (backfill watch ${jobId} to follow it again)\n`);
    return INTERRUPTED;
  }
  if (ctx.flags.json) printJson(ctx, result.status);
  return exitCodeForStatus(result.status.status);
}

/** The request `start` and `plan` send, from the same flags. */
function startRequest(ctx: CommandContext, command: string): StartRequest {
  noPositionals(ctx, command);
  const f = ctx.flags;
  const missing = (['symbols', 'start', 'end'] as const).filter((k) => (k === 'symbols' ? !f.symbols?.length : !f[k]));
  if (missing.length) throw new UsageError(`${command} needs ${missing.map((m) => `--${m}`).join(', ')}`);
  const body: StartRequest = { symbols: f.symbols!, start_date: f.start!, end_date: f.end! };
  if (f.timeframes?.length) body.timeframes = f.timeframes;
  if (f.adjusted !== undefined) body.adjusted = f.adjusted;
  if (f.concurrency !== undefined) body.concurrency = f.concurrency;
  if (f.reprocess !== undefined) body.reprocess = f.reprocess;
  if (f.strategy !== undefined) body.strategy = f.strategy;
  return body;
}

/** `backfill plan ...`: the dry run; nothing is started. */
export async function planCommand(ctx: CommandContext): Promise<number> {
  const plan = await ctx.client.plan(startRequest(ctx, 'plan'));
  if (ctx.flags.json) printJson(ctx, plan);
  else print(ctx, renderPlan(plan, ctx.style));
  return 0;
}

export async function startCommand(ctx: CommandContext): Promise<number> {
  const f = ctx.flags;
  const job = await ctx.client.start(startRequest(ctx, 'start'), f['idempotency-key']);
  if (f.json) printJson(ctx, job);
  else {
    const units = job.units_total ?? job.symbols_count * job.timeframes.length;
    const verb = job.idempotent_replay ? paint(ctx.style, 'yellow', 'Already started') : paint(ctx.style, 'green', 'Started');
    print(ctx, `${verb} job ${paint(ctx.style, 'bold', job.job_id)}  ${paintStatus(ctx.style, job.status)}`);
    if (job.idempotent_replay) print(ctx, '  (this idempotency key was used before: no new job was started)');
    print(
      ctx,
      `  ${int(job.symbols_count)} symbol${job.symbols_count === 1 ? '' : 's'} × ${job.timeframes.join(',')} = ${int(units)} unit${units === 1 ? '' : 's'}  ` +
        `${job.date_range.start_date} → ${job.date_range.end_date}` +
        `${job.adjusted === undefined ? '' : job.adjusted ? '  adjusted' : '  unadjusted'}` +
        `${job.concurrency ? `  concurrency ${job.concurrency}` : ''}`,
    );
    if (job.temporal_ui_url) print(ctx, `  temporal  ${job.temporal_ui_url}`);
    if (!f.watch) print(ctx, `  follow it: backfill watch ${job.job_id}`);
  }
  return f.watch ? follow(ctx, job.job_id) : 0;
}

export async function statusCommand(ctx: CommandContext): Promise<number> {
  const job = jobArg(ctx, 'status');
  const s = await ctx.client.status(job);
  if (ctx.flags.json) printJson(ctx, s);
  else print(ctx, renderStatus(s, ctx.style, ctx.now()));
  return 0;
}

export async function watchCommand(ctx: CommandContext): Promise<number> {
  return follow(ctx, jobArg(ctx, 'watch'));
}

export async function recentCommand(ctx: CommandContext): Promise<number> {
  noPositionals(ctx, 'recent');
  const r = await ctx.client.recent({ limit: ctx.flags.limit, status: ctx.flags.status });
  if (ctx.flags.json) {
    printJson(ctx, r);
    return 0;
  }
  if (!r.jobs.length) {
    print(ctx, ctx.flags.status ? `no ${ctx.flags.status} jobs` : 'no jobs yet: start one with backfill start --symbols ...');
    return 0;
  }
  const rows = r.jobs.map((j) => {
    const symbols = j.symbols?.length
      ? truncate(j.symbols.slice(0, 3).join(',') + (j.symbols.length > 3 ? ` +${j.symbols.length - 3}` : ''), 24)
      : int(j.symbols_count);
    return [
      j.job_id,
      paintStatus(ctx.style, j.status),
      pct(j.progress_pct),
      int(j.units?.total ?? j.units_total),
      symbols,
      (j.timeframes ?? []).join(','),
      j.date_range ? `${j.date_range.start_date}..${j.date_range.end_date}` : '—',
      localTime(j.created_at),
    ];
  });
  print(ctx, table(['JOB', 'STATUS', 'PROGRESS', 'UNITS', 'SYMBOLS', 'TIMEFRAMES', 'RANGE', 'CREATED'], rows, ['l', 'l', 'r', 'r']));
  return 0;
}

export async function retryCommand(ctx: CommandContext): Promise<number> {
  const job = jobArg(ctx, 'retry');
  const body: { symbols?: string[]; timeframes?: string[] } = {};
  if (ctx.flags.symbols?.length) body.symbols = ctx.flags.symbols;
  if (ctx.flags.timeframes?.length) body.timeframes = ctx.flags.timeframes;
  const r = await ctx.client.retry(job, body);
  if (ctx.flags.json) printJson(ctx, r);
  else {
    const list = (r.units ?? []).map((u) => `${u.symbol} ${u.timeframe}`);
    const shown = list.slice(0, 12).join(', ') + (list.length > 12 ? `, … ${list.length - 12} more` : '');
    print(ctx, `Requeued ${int(r.requeued)} failed unit${r.requeued === 1 ? '' : 's'} of job ${r.job_id}${shown ? `: ${shown}` : ''}`);
    if (r.restarted) print(ctx, '  the job had closed: a new workflow run was started for the retry');
    if (r.status) print(ctx, `  job is ${paintStatus(ctx.style, r.status)}${ctx.flags.watch ? '' : `; follow it: backfill watch ${r.job_id}`}`);
  }
  // Right after the update the job may still read as finished: give it a moment to start again.
  return ctx.flags.watch ? follow(ctx, job, 5_000) : 0;
}

function controlCommand(action: 'pause' | 'resume' | 'cancel') {
  return async (ctx: CommandContext): Promise<number> => {
    const job = jobArg(ctx, action);
    const r = await ctx.client[action](job);
    if (ctx.flags.json) printJson(ctx, r);
    else if (action === 'cancel') print(ctx, `Job ${r.job_id} is ${paintStatus(ctx.style, r.status)}; backfill watch ${r.job_id} shows it end`);
    else print(ctx, `Job ${r.job_id} ${action === 'pause' ? 'paused' : 'resumed'}: ${paintStatus(ctx.style, r.status)}`);
    return 0;
  };
}

export async function coverageCommand(ctx: CommandContext): Promise<number> {
  const [symbol, ...extra] = ctx.positionals;
  if (!symbol) throw new UsageError('coverage needs a symbol: backfill coverage AAPL --start 2024-01-01 --end 2024-12-31');
  if (extra.length) throw new UsageError(`coverage takes one symbol, got also: ${extra.join(' ')}`);
  const f = ctx.flags;
  if (!f.start || !f.end) throw new UsageError(`coverage needs ${[f.start ? '' : '--start', f.end ? '' : '--end'].filter(Boolean).join(', ')}`);
  const r = await ctx.client.coverage(symbol, f.timeframe ?? '1d', { start: f.start, end: f.end, adjusted: f.adjusted === false ? 'false' : undefined });
  if (f.json) printJson(ctx, r);
  else print(ctx, renderCoverage(r, ctx.style));
  return 0;
}

export const COMMANDS: Record<string, (ctx: CommandContext) => Promise<number>> = {
  start: startCommand,
  plan: planCommand,
  status: statusCommand,
  watch: watchCommand,
  recent: recentCommand,
  retry: retryCommand,
  pause: controlCommand('pause'),
  resume: controlCommand('resume'),
  cancel: controlCommand('cancel'),
  coverage: coverageCommand,
  schedule: scheduleCommand,
};
