// The printer: every scenario says what it injected and what it checked, as it goes, on the console
// and in .artifacts/faults/<scenario>/report.txt, so that a failure explains itself.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';

export type ReportKind = 'SETUP' | 'INJECT' | 'CHECK' | 'FAIL' | 'NOTE';

export interface Report {
  readonly scenario: string;
  readonly dir: string;
  readonly lines: string[];
  setup(msg: string): void;
  inject(msg: string): void;
  /** Records a check that passed (use `fail` or `expectOk` for the others). */
  check(msg: string): void;
  fail(msg: string): void;
  note(msg: string): void;
  /** Records `msg` as CHECK when ok, FAIL otherwise; returns ok. */
  verify(ok: boolean, msg: string): boolean;
  /** Milliseconds since the scenario started. */
  elapsed(): number;
}

export function createReport(scenario: string, dir: string): Report {
  const started = Date.now();
  const lines: string[] = [];
  const file = join(dir, 'report.txt');
  const write = (kind: ReportKind, msg: string) => {
    const t = ((Date.now() - started) / 1000).toFixed(1).padStart(6);
    const line = `[${scenario}] ${t}s ${kind.padEnd(6)} ${msg}`;
    lines.push(line);
    appendFileSync(file, line + '\n');
    // stderr is not buffered per test by vitest, so progress is visible while a scenario runs.
    process.stderr.write(line + '\n');
  };
  return {
    scenario,
    dir,
    lines,
    setup: (m) => write('SETUP', m),
    inject: (m) => write('INJECT', m),
    check: (m) => write('CHECK', m),
    fail: (m) => write('FAIL', m),
    note: (m) => write('NOTE', m),
    verify(ok, m) {
      write(ok ? 'CHECK' : 'FAIL', m);
      return ok;
    },
    elapsed: () => Date.now() - started,
  };
}
