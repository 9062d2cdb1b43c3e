// A deployment as `npm ci --omit=dev && npm run build` leaves it, in a private temp folder (0700,
// like mktemp -d): package.json, bin/, dist/ and a node_modules holding the production packages
// only. The compiled code resolves packages from there, so an import of tsx, vitest or anything else
// from devDependencies fails here as it would in the image.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface Lockfile {
  packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }>;
}

/** Top-level packages `npm ci --omit=dev` installs, from package-lock.json. */
export function productionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  return Object.entries(lock.packages)
    .filter(([path, p]) => path.startsWith('node_modules/') && !path.slice('node_modules/'.length).includes('node_modules/') && !p.dev)
    .map(([path]) => path.slice('node_modules/'.length));
}

export interface InstallDir {
  dir: string;
  dist: string;
  /** `node scripts/build.mjs --out-dir <dir>/dist`: its exit code and output. */
  build(): Promise<{ code: number | null; output: string }>;
  remove(): void;
}

export function createInstallDir(): InstallDir {
  const dir = mkdtempSync(join(tmpdir(), 'backfill-dist-'));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  for (const name of productionPackages()) {
    const target = join(dir, 'node_modules', name);
    mkdirSync(dirname(target), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules', name), target, 'dir');
  }
  const dist = join(dir, 'dist');
  return {
    dir,
    dist,
    build: () =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--out-dir', dist], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (b: Buffer) => (output += b.toString()));
        child.stderr.on('data', (b: Buffer) => (output += b.toString()));
        child.once('error', reject);
        child.once('exit', (code) => resolve({ code, output }));
      }),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
