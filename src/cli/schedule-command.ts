// `backfill schedule create|list|show|pause|unpause|trigger|backfill|delete`: the schedule routes
// from the command line. Temporal's own `temporal schedule ...` works on the same schedules.
import { UsageError, type FlagName } from './args.js';
import type { CommandContext } from './commands.js';
import type { ScheduleView } from '../api/schedule-schemas.js';
import { localTime, paint, paintStatus, table } from './format.js';

const SUBCOMMANDS = ['create', 'list', 'show', 'update', 'pause', 'unpause', 'trigger', 'backfill', 'delete'] as const;
type Sub = (typeof SUBCOMMANDS)[number];

const SUB_FLAGS: Record<Sub, readonly FlagName[]> = {
  create: ['symbols', 'timeframes', 'adjusted', 'concurrency', 'spec', 'time-zone', 'lookback', 'catchup-window', 'webhook', 'paused'],
  update: ['symbols', 'timeframes', 'adjusted', 'concurrency', 'spec', 'time-zone', 'lookback', 'catchup-window', 'webhook'],
  list: [],
  show: [],
  pause: ['note'],
  unpause: ['note'],
  trigger: [],
  backfill: ['start', 'end'],
  delete: [],
};

export const SCHEDULE_USAGE = `  backfill schedule create <name> --symbols AAPL,MSFT --spec after_close|"0 18 * * 1-5"
                 [--time-zone America/New_York] [--lookback 5] [--timeframes 1d] [--webhook URL] [--paused]
  backfill schedule list | show <name> | delete <name>
  backfill schedule update <name> [--symbols ..] [--spec ..] [--lookback N] ...
  backfill schedule pause <name> [--note TEXT] | unpause <name> | trigger <name>
  backfill schedule backfill <name> --start 2024-07-08T00:00:00Z --end 2024-07-11T00:00:00Z
                                    one run per scheduled time in the range, each over its own past window`;

function print(ctx: CommandContext, s: string): void {
  ctx.stdout.write(`${s}\n`);
}

function body(ctx: CommandContext): Record<string, unknown> {
  const f = ctx.flags;
  const out: Record<string, unknown> = {};
  if (f.symbols?.length) out.symbols = f.symbols;
  if (f.timeframes?.length) out.timeframes = f.timeframes;
  if (f.adjusted !== undefined) out.adjusted = f.adjusted;
  if (f.concurrency !== undefined) out.concurrency = f.concurrency;
  if (f.spec !== undefined) out.spec = f.spec;
  if (f['time-zone'] !== undefined) out.time_zone = f['time-zone'];
  if (f.lookback !== undefined) out.lookback_sessions = f.lookback;
  if (f['catchup-window'] !== undefined) out.catchup_window_seconds = f['catchup-window'];
  if (f.webhook !== undefined) out.webhook = { url: f.webhook };
  if (f.paused !== undefined) out.paused = f.paused;
  return out;
}

export function renderSchedule(s: ScheduleView, ctx: CommandContext): string {
  const st = ctx.style;
  const lines = [
    `${paint(st, 'bold', s.id)}  ${s.paused ? paint(st, 'yellow', 'paused') : paint(st, 'green', 'active')}${s.note ? `  (${s.note})` : ''}`,
    `  spec      ${s.spec} in ${s.time_zone}; lookback ${s.lookback_sessions} sessions; overlap ${s.overlap}`,
    `  fetches   ${s.symbols.join(',')} × ${s.timeframes.join(',')}${s.adjusted ? '' : ' unadjusted'}${s.webhook ? `; webhook ${s.webhook.url}` : ''}`,
    `  next      ${s.next_runs.slice(0, 3).map((t) => localTime(t)).join(', ') || '—'}`,
    `  temporal  ${s.temporal_schedule_id}  ${s.temporal_ui_url}`,
  ];
  if (s.runs.length) {
    lines.push('  runs:');
    for (const r of s.runs) lines.push(`    ${r.job_id}  ${paintStatus(st, r.status)}  ${r.start_date}..${r.end_date}  ${localTime(r.created_at)}`);
  } else lines.push('  runs      none yet');
  return lines.join('\n');
}

export async function scheduleCommand(ctx: CommandContext): Promise<number> {
  const [sub, id, ...extra] = ctx.positionals as [string | undefined, string | undefined, ...string[]];
  if (!sub || !(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`schedule needs a subcommand: ${SUBCOMMANDS.join(', ')}`);
  }
  const s = sub as Sub;
  const allowed = new Set(SUB_FLAGS[s]);
  for (const name of Object.keys(ctx.flags) as FlagName[]) {
    if (['api-url', 'api-key', 'json', 'help', 'color'].includes(name)) continue;
    if (!allowed.has(name)) throw new UsageError(`schedule ${s} does not take --${name}`);
  }
  if (s !== 'list' && !id) throw new UsageError(`schedule ${s} needs a name: backfill schedule ${s} <name>`);
  if (s === 'list' && id) throw new UsageError('schedule list takes no name');
  if (extra.length) throw new UsageError(`schedule ${s} takes one name, got also: ${extra.join(' ')}`);
  const api = ctx.client.schedules;
  const out = (v: unknown, text: () => string) => print(ctx, ctx.flags.json ? JSON.stringify(v, null, 2) : text());

  switch (s) {
    case 'create': {
      const b = body(ctx);
      if (!b.symbols || !b.spec) throw new UsageError('schedule create needs --symbols and --spec (a cron line or after_close)');
      const v = await api.create({ name: id!, ...b } as never);
      out(v, () => `Created ${renderSchedule(v, ctx)}`);
      return 0;
    }
    case 'update': {
      const v = await api.update(id!, body(ctx));
      out(v, () => `Updated ${renderSchedule(v, ctx)}`);
      return 0;
    }
    case 'list': {
      const { schedules } = await api.list();
      out({ schedules }, () =>
        schedules.length
          ? table(
              ['SCHEDULE', 'STATE', 'SPEC', 'SYMBOLS', 'NEXT RUN', 'LAST RUN'],
              schedules.map((x) => [
                x.id,
                x.paused ? 'paused' : 'active',
                `${x.spec} ${x.time_zone}`,
                x.symbols.join(','),
                x.next_runs[0] ? localTime(x.next_runs[0]) : '—',
                x.runs[0] ? `${x.runs[0].status} ${x.runs[0].start_date}..${x.runs[0].end_date}` : '—',
              ]),
            )
          : 'no schedules yet: backfill schedule create <name> --symbols ... --spec after_close',
      );
      return 0;
    }
    case 'show': {
      const v = await api.show(id!);
      out(v, () => renderSchedule(v, ctx));
      return 0;
    }
    case 'delete': {
      await api.delete(id!);
      out({ id, deleted: true }, () => `Deleted schedule ${id} (its jobs stay)`);
      return 0;
    }
    case 'backfill': {
      if (!ctx.flags.start || !ctx.flags.end) throw new UsageError('schedule backfill needs --start and --end (ISO date-times)');
      const r = await api.backfill(id!, { start: ctx.flags.start, end: ctx.flags.end });
      out(r, () => r.message);
      return 0;
    }
    default: {
      const r = await api.action(id!, s, ctx.flags.note);
      out(r, () => `${r.message}${s === 'trigger' ? '' : `\n${renderSchedule(r.schedule, ctx)}`}`);
      return 0;
    }
  }
}
