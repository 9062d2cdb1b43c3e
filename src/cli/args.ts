// Argument parsing for the CLI: `backfill <command> [positional] [--flag value | --flag=value]`.
// Hand-written because node:util parseArgs (Node 20) has no `--no-flag` negation and no lists.

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type FlagType = 'string' | 'list' | 'boolean' | 'int' | 'number';

interface FlagSpec {
  type: FlagType;
  /** `--no-<name>` sets false. */
  negatable?: boolean;
  short?: string;
}

export const FLAGS = {
  'api-url': { type: 'string' },
  'api-key': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  color: { type: 'boolean', negatable: true },
  symbols: { type: 'list' },
  start: { type: 'string' },
  end: { type: 'string' },
  timeframes: { type: 'list' },
  timeframe: { type: 'string' },
  adjusted: { type: 'boolean', negatable: true },
  concurrency: { type: 'int' },
  reprocess: { type: 'string' },
  strategy: { type: 'string' },
  'idempotency-key': { type: 'string' },
  watch: { type: 'boolean', short: 'w' },
  interval: { type: 'number' },
  limit: { type: 'int' },
  status: { type: 'string' },
  spec: { type: 'string' },
  'time-zone': { type: 'string' },
  lookback: { type: 'int' },
  'catchup-window': { type: 'int' },
  webhook: { type: 'string' },
  note: { type: 'string' },
  paused: { type: 'boolean' },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

export interface Flags {
  'api-url'?: string;
  'api-key'?: string;
  json?: boolean;
  help?: boolean;
  color?: boolean;
  symbols?: string[];
  start?: string;
  end?: string;
  timeframes?: string[];
  timeframe?: string;
  adjusted?: boolean;
  concurrency?: number;
  reprocess?: string;
  strategy?: string;
  'idempotency-key'?: string;
  watch?: boolean;
  interval?: number;
  limit?: number;
  status?: string;
  spec?: string;
  'time-zone'?: string;
  lookback?: number;
  'catchup-window'?: number;
  webhook?: string;
  note?: string;
  paused?: boolean;
}

export interface ParsedArgs {
  command: string | undefined;
  positionals: string[];
  flags: Flags;
  /** Flags in the order given, to check them against a command. */
  given: FlagName[];
}

const GLOBAL: readonly FlagName[] = ['api-url', 'api-key', 'json', 'help', 'color'];

/** The flags each command accepts besides the global ones. */
export const COMMAND_FLAGS: Record<string, readonly FlagName[]> = {
  start: ['symbols', 'start', 'end', 'timeframes', 'adjusted', 'concurrency', 'reprocess', 'strategy', 'idempotency-key', 'watch', 'interval'],
  plan: ['symbols', 'start', 'end', 'timeframes', 'adjusted', 'concurrency', 'reprocess', 'strategy'],
  status: [],
  watch: ['interval'],
  recent: ['limit', 'status'],
  retry: ['symbols', 'timeframes', 'watch', 'interval'],
  pause: [],
  resume: [],
  cancel: [],
  coverage: ['timeframe', 'start', 'end', 'adjusted'],
  // Every subcommand's flags; each subcommand checks that it was given only its own.
  schedule: ['symbols', 'timeframes', 'adjusted', 'concurrency', 'spec', 'time-zone', 'lookback', 'catchup-window', 'webhook', 'paused', 'note', 'start', 'end'],
  help: [],
};

const byShort = new Map<string, FlagName>(
  Object.entries(FLAGS).flatMap(([name, spec]) => ('short' in spec ? [[spec.short, name as FlagName] as const] : [])),
);

function splitList(v: string): string[] {
  return v
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, unknown> = {};
  const given: FlagName[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else {
      const n = byShort.get(arg.slice(1));
      if (!n) throw new UsageError(`unknown option ${arg}`);
      name = n;
    }
    let negated = false;
    if (!(name in FLAGS) && name.startsWith('no-') && name.slice(3) in FLAGS) {
      const spec: FlagSpec = FLAGS[name.slice(3) as FlagName];
      if (spec.negatable) {
        name = name.slice(3);
        negated = true;
      }
    }
    if (!(name in FLAGS)) throw new UsageError(`unknown option --${name}`);
    const flag = name as FlagName;
    const spec: FlagSpec = FLAGS[flag];
    given.push(flag);
    if (spec.type === 'boolean') {
      if (inline !== undefined) {
        if (!['true', 'false', '1', '0', 'yes', 'no'].includes(inline)) throw new UsageError(`--${flag} takes no value (or true/false), got "${inline}"`);
        flags[flag] = ['true', '1', 'yes'].includes(inline) !== negated;
      } else {
        flags[flag] = !negated;
      }
      continue;
    }
    if (negated) throw new UsageError(`unknown option --no-${flag}`);
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next === undefined || (next.startsWith('--') && next.length > 2)) throw new UsageError(`--${flag} needs a value`);
      value = next;
      i++;
    }
    switch (spec.type) {
      case 'string':
        flags[flag] = value;
        break;
      case 'list':
        flags[flag] = [...((flags[flag] as string[] | undefined) ?? []), ...splitList(value)];
        break;
      case 'int': {
        if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`--${flag} must be a whole number, got "${value}"`);
        flags[flag] = Number(value);
        break;
      }
      case 'number': {
        const n = Number(value);
        if (!value.trim() || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} must be a positive number, got "${value}"`);
        flags[flag] = n;
        break;
      }
    }
  }
  const [command, ...rest] = positionals;
  return { command, positionals: rest, flags: flags as Flags, given };
}

/** Rejects flags the command does not take, so a typo is never silently ignored. */
export function checkFlags(command: string, given: readonly FlagName[]): void {
  const allowed = new Set<FlagName>([...GLOBAL, ...(COMMAND_FLAGS[command] ?? [])]);
  for (const f of given) {
    if (!allowed.has(f)) throw new UsageError(`${command} does not take --${f}`);
  }
}
