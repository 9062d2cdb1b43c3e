// The image's shape (no Docker engine here to build it): Node 24 slim, multi-stage, production
// dependencies only in the final stage, a non-root user, node under an init. And the Node lines
// package.json and .nvmrc promise match what the image and CI run.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (p: string) => readFileSync(new URL(`../../${p}`, import.meta.url), 'utf8');
const lines = read('Dockerfile')
  .replace(/\\\n\s*/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const args = Object.fromEntries(lines.map((l) => /^ARG (\w+)=(\S+)$/.exec(l)).flatMap((m) => (m ? [[m[1]!, m[2]!]] : [])));
/** Each FROM with the instructions under it, images resolved through ARG defaults. */
const stages = lines.reduce<{ from: string; body: string[] }[]>((acc, l) => {
  const from = /^FROM (\S+)/.exec(l);
  if (from) acc.push({ from: from[1]!.replace(/\$\{(\w+)\}/, (_, a: string) => args[a] ?? ''), body: [] });
  else acc.at(-1)?.body.push(l);
  return acc;
}, []);
const final = stages.at(-1)!;
const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };

describe('Dockerfile', () => {
  it('builds in one stage and runs from another, on a pinned Node 24 slim image', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const st of stages) expect(st.from).toMatch(/^node:24\.\d+\.\d+-\w+-slim$/);
    expect(stages[0]!.body.join('\n')).toContain('RUN npm run build');
    expect(final.body).toContain('COPY --from=build /app/dist ./dist');
  });

  it('copies into the build stage everything the build compiles and reads', () => {
    const build = JSON.parse(read('tsconfig.build.json').replace(/^\s*\/\/.*$/gm, '')) as { include: string[] };
    const copied = stages[0]!.body.filter((l) => l.startsWith('COPY ')).flatMap((l) => l.split(' ').slice(1, -1));
    for (const needed of [...build.include, 'migrations', 'scripts', 'tsconfig.json', 'tsconfig.build.json']) expect(copied, needed).toContain(needed);
  });

  it('installs production dependencies only in the final stage', () => {
    const installs = final.body.filter((l) => /npm (ci|install)/.test(l));
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/npm ci --omit=dev/);
    expect(final.body.join('\n')).not.toMatch(/COPY (--from=build )?\S*(src|node_modules|tsconfig)/);
  });

  it('runs node directly as a non-root user under an init', () => {
    const user = final.body.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBeDefined();
    expect(user).not.toMatch(/USER (root|0)\b/);
    expect(final.body).toContain('ENTRYPOINT ["/usr/bin/tini", "--"]');
    expect(final.body.join('\n')).toMatch(/apt-get install -y --no-install-recommends tini/);
    expect(final.body.filter((l) => l.startsWith('CMD ')).at(-1)).toMatch(/^CMD \["node", "dist\//);
  });
});

describe('supported Node lines', () => {
  it('package.json engines accept 20, 22 and 24; .nvmrc and the image say 24', () => {
    const ranges = pkg.engines.node.split('||').map((r) => r.trim());
    expect(ranges.map((r) => /^\^(\d+)\./.exec(r)?.[1])).toEqual(['20', '22', '24']);
    expect(read('.nvmrc').trim()).toBe('24');
    expect(stages.at(-1)!.from).toMatch(/^node:24\./);
  });

  it('is running on one of them', () => {
    const major = process.versions.node.split('.')[0];
    expect(['20', '22', '24']).toContain(major);
  });
});
