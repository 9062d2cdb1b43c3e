// Runs `node bin/backfill.mjs ...` as a real process, as a user would, and records a transcript.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/backfill.mjs', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliRunner {
  run(
    args: string[],
    opts?: {
      env?: Record<string, string>;
      timeoutMs?: number;
      onStdout?: (chunk: string) => void;
      /** Lines of output kept in the transcript (default 40); the rest is summarized. */
      transcriptLines?: number;
    },
  ): Promise<CliRun>;
  /** `$ backfill ...` lines with their output, in order. */
  transcript: string[];
}

export function cliRunner(apiUrl: string, mask: (s: string) => string = (s) => s): CliRunner {
  const transcript: string[] = [];
  return {
    transcript,
    run(args, opts = {}) {
      const env: Record<string, string> = {};
      for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'FORCE_COLOR' && !k.startsWith('BACKFILL_')) env[k] = v;
      Object.assign(env, { BACKFILL_API_URL: apiUrl, NO_COLOR: '1' }, opts.env);
      return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (b: Buffer) => {
          stdout += b.toString();
          opts.onStdout?.(b.toString());
        });
        child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`backfill ${args.join(' ')} did not finish in ${opts.timeoutMs ?? 90_000} ms\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }, opts.timeoutMs ?? 90_000);
        child.once('error', reject);
        child.once('close', (code) => {
          clearTimeout(timer);
          const shown = args.map((a) => (/[\s"']/.test(a) ? JSON.stringify(a) : a)).join(' ');
          const lines = `${stdout}${stderr}`.split('\n');
          if (lines.at(-1) === '') lines.pop();
          const keep = opts.transcriptLines ?? 40;
          const output = lines.length > keep ? [...lines.slice(0, keep), `  … ${lines.length - keep} more lines`] : lines;
          transcript.push(mask(`$ backfill ${shown}\n${output.map((l) => `${l}\n`).join('')}[exit ${code}]\n`));
          resolve({ code, stdout, stderr });
        });
      });
    },
  };
}
