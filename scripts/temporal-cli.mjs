// Finds or builds the Temporal CLI. Plain ESM (no TypeScript) so that it can run from
// `postinstall` before anything is compiled, and be imported by the dev stack, tests and bench.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsBin = join(projectRoot, '.tools', 'bin');

const HOW_TO_GET_ONE = [
  'No Temporal CLI found and Go is not installed to build one. Any of these works:',
  '  - macOS:   brew install temporal',
  '  - Linux:   curl -sSf https://temporal.download/cli.sh | sh   (then add ~/.temporalio/bin to PATH)',
  '  - Go:      install Go, then run `npm run temporal:ensure` (builds ' + TEMPORAL_CLI_MODULE + ' into .tools/bin)',
  '  - Docker:  docker compose up   (runs Temporal, Postgres, the API and a worker)',
  'Or point TEMPORAL_CLI at an existing `temporal` binary.',
].join('\n');

function isExecutable(path) {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function onPath(name) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Returns the path of a usable `temporal` binary, building it with Go when none exists. */
export function ensureTemporalCli({ log = (m) => process.stderr.write(m + '\n') } = {}) {
  const fromEnv = process.env.TEMPORAL_CLI;
  if (fromEnv) {
    if (!isExecutable(fromEnv)) throw new Error(`TEMPORAL_CLI=${fromEnv} does not point at a file`);
    return fromEnv;
  }
  const built = join(toolsBin, 'temporal');
  if (isExecutable(built)) return built;
  const inPath = onPath('temporal');
  if (inPath) return inPath;

  const go = onPath('go') ?? (isExecutable('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : undefined);
  if (!go) throw new Error(HOW_TO_GET_ONE);
  mkdirSync(toolsBin, { recursive: true });
  log(`Building the Temporal CLI from source (${TEMPORAL_CLI_MODULE}) into .tools/bin; the first build takes a few minutes...`);
  const started = Date.now();
  const r = spawnSync(go, ['install', TEMPORAL_CLI_MODULE], {
    stdio: 'inherit',
    env: { ...process.env, GOBIN: toolsBin, GOFLAGS: process.env.GOFLAGS ?? '-mod=mod' },
  });
  if (r.status !== 0 || !existsSync(built)) {
    throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${r.status}).\n${HOW_TO_GET_ONE}`);
  }
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${built}`);
  return built;
}
