// `npm run build [-- --out-dir DIR]`: the production build, run with plain node. Compiles src/,
// workflows/ and activities/ with tsc (tsconfig.build.json), copies what the compiled code reads
// at run time (migrations, dashboard assets, the simulator's .mjs thread bootstrap), and writes the
// workflow bundle next to the compiled worker, where the worker finds it without bundling at start.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** The bundle's file name, relative to the compiled worker (src/worker.ts looks for the same name). */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';

function outDirFromArgs(argv) {
  const i = argv.indexOf('--out-dir');
  if (i === -1) return join(root, 'dist');
  const dir = argv[i + 1];
  if (!dir) throw new Error('--out-dir needs a directory');
  return resolve(dir);
}

/** Every file under `dir` (recursively) whose name passes `keep`, as paths relative to `dir`. */
function filesUnder(dir, keep) {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => relative(dir, join(e.parentPath ?? e.path, e.name)));
}

export async function build(outDir) {
  if (resolve(outDir) === resolve(root)) throw new Error('refusing to build into the project root');
  rmSync(outDir, { recursive: true, force: true });

  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) throw new Error(`tsc failed (exit ${tsc.status ?? tsc.signal})`);

  // The compiled modules resolve these relative to themselves, as the sources do.
  cpSync(join(root, 'migrations'), join(outDir, 'migrations'), { recursive: true });
  for (const file of filesUnder(join(root, 'src'), (name) => !name.endsWith('.ts') && !name.endsWith('.md'))) {
    mkdirSync(dirname(join(outDir, 'src', file)), { recursive: true });
    cpSync(join(root, 'src', file), join(outDir, 'src', file));
  }
  // dist/ is ES modules whatever package.json sits above it.
  writeFileSync(join(outDir, 'package.json'), `${JSON.stringify({ type: 'module' })}\n`);

  const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker');
  const workflowsPath = join(outDir, 'workflows', 'index.js');
  if (!existsSync(workflowsPath)) throw new Error(`tsc wrote no ${workflowsPath}`);
  const { code } = await bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  writeFileSync(join(outDir, 'src', WORKFLOW_BUNDLE_FILE), code);
  return { outDir, bundlePath: join(outDir, 'src', WORKFLOW_BUNDLE_FILE) };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  try {
    const { outDir, bundlePath } = await build(outDirFromArgs(process.argv.slice(2)));
    console.log(`built ${relative(process.cwd(), outDir) || '.'} (workflow bundle ${relative(outDir, bundlePath)}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    console.error(`build failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
