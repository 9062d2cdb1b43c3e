// docker-compose cannot run on the CI machine (no Docker engine), so its shape is checked here;
// .ci/run also has Debian's docker-compose validate it (`config -q`).
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';
import { SHUTDOWN_GRACE_SECONDS } from '../../src/worker.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  ports?: string[];
  container_name?: string;
  entrypoint?: string[];
  stop_grace_period?: string;
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const build = JSON.parse(readFileSync(new URL('../../tsconfig.build.json', import.meta.url), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { exclude: string[] };
const s = compose.services;
const seconds = (d: string) => Number(/^(\d+)s$/.exec(d)?.[1] ?? NaN);

describe('docker-compose.yml', () => {
  it('has Postgres, Temporal on Postgres, the Web UI, the API and a worker, each with a health check', () => {
    for (const name of ['postgres', 'temporal-postgres', 'temporal', 'temporal-ui', 'api', 'worker', 'polygon-sim']) {
      expect(s[name], name).toBeDefined();
      expect(s[name]!.healthcheck, `${name} healthcheck`).toBeDefined();
    }
    // auto-setup is deprecated: the plain server, its schema made by admin-tools beforehand.
    expect(s.temporal!.image).toMatch(/^temporalio\/server:/);
    expect(s.temporal!.environment!.DB).toMatch(/^postgres/);
    expect(s.temporal!.depends_on!['temporal-schema']!.condition).toBe('service_completed_successfully');
    expect(s['temporal-schema']!.image).toMatch(/^temporalio\/admin-tools:/);
    const schema = JSON.stringify(s['temporal-schema']!.command);
    for (const step of ['temporal-sql-tool', 'create', 'setup-schema', 'update-schema', 'v12/', 'temporal_visibility']) expect(schema).toContain(step);
  });

  it('keeps Temporal on a Postgres server and role of its own, apart from the bars database', () => {
    const bars = new URL(s.worker!.environment!.DATABASE_URL!);
    expect(s.temporal!.environment!.POSTGRES_SEEDS).toBe('temporal-postgres');
    expect(s.temporal!.environment!.POSTGRES_SEEDS).not.toBe(bars.hostname);
    expect(s.temporal!.environment!.POSTGRES_USER).not.toBe(bars.username);
    expect(s['temporal-postgres']!.environment!.POSTGRES_USER).toBe(s.temporal!.environment!.POSTGRES_USER);
    expect(s.postgres!.environment!.POSTGRES_USER).toBe(bars.username);
  });

  it('pins every image to a release, never a moving tag', () => {
    const images = Object.values(s).flatMap((svc) => (svc.image ? [svc.image] : []));
    expect(images.length).toBeGreaterThan(4);
    // Postgres releases are major.minor; everything else is major.minor.patch.
    for (const image of images) expect(image, image).toMatch(/^[\w./-]+:\d+\.\d+(\.\d+)?(-[\w.-]+)?$/);
  });

  it('registers the namespace and every search attribute the workflow upserts, in a one-shot job', async () => {
    const { SEARCH_ATTRIBUTE_FLAGS } = await import('../../src/temporal/search-attributes.js');
    const setup = s['temporal-setup']!;
    expect(setup.image).toMatch(/^temporalio\/admin-tools:/);
    expect(setup.depends_on!.temporal!.condition).toBe('service_healthy');
    const script = setup.command!.join('\n');
    expect(script).toContain('operator namespace create --namespace default');
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_FLAGS)) expect(script).toContain(`attr ${name} ${type}`);
    expect(script).toContain('search-attribute create --namespace default --name "$$1" --type "$$2"');
  });

  it('checks the worker through its metrics server and lets it finish its shutdown grace', () => {
    const check = JSON.stringify(s.worker!.healthcheck!.test);
    expect(check).toContain('/healthz');
    expect(check).toContain(`process.env.WORKER_METRICS_PORT||${loadConfig({}).WORKER_METRICS_PORT}`);
    // Slim images have no procps: a check that calls pgrep or ps never passes.
    for (const svc of Object.values(s)) expect(JSON.stringify(svc.healthcheck ?? {})).not.toMatch(/\bp(grep|s)\b/);
    expect(seconds(s.worker!.stop_grace_period!)).toBeGreaterThan(SHUTDOWN_GRACE_SECONDS);
  });

  it('lets the worker scale: no fixed name or host port', () => {
    expect(s.worker!.container_name).toBeUndefined();
    expect(s.worker!.ports).toBeUndefined();
  });

  it('gives the API and the worker every variable they need, all of them known and valid', () => {
    for (const name of ['api', 'worker']) {
      const env = s[name]!.environment!;
      for (const v of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'POLYGON_BASE_URL', 'POLYGON_API_KEY']) {
        expect(env[v], `${name}.${v}`).toBeDefined();
      }
      for (const v of Object.keys(env)) expect(CONFIG_VARIABLES, `${name}.${v} is read by src/config.ts`).toContain(v);
      // The ${VAR:-default} forms resolve to their defaults when the user sets nothing.
      const resolved = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [k, String(v).replace(/\$\{[A-Z_]+:-([^}]*)\}/g, '$1')]),
      );
      expect(() => loadConfig(resolved)).not.toThrow();
      expect(new URL(resolved.DATABASE_URL!).hostname).toBe('postgres');
      expect(resolved.TEMPORAL_ADDRESS).toBe('temporal:7233');
    }
  });

  it('runs compiled entry points the build produces, with plain node', () => {
    for (const [name, svc] of Object.entries(s)) {
      if (!svc.build) continue;
      const [node, entry] = svc.command ?? [];
      expect(node, `${name} runs node directly (tini forwards signals to it, npm would not)`).toBe('node');
      const source = entry!.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(entry, name).toMatch(/^dist\/src\/.*\.js$/);
      expect(existsSync(new URL(`../../${source}`, import.meta.url)), `${name}: ${source}`).toBe(true);
      expect(build.exclude, `${name}: ${source} is compiled`).not.toContain(source);
    }
  });

  it('starts the API and worker only after migrations and Temporal set-up', () => {
    for (const name of ['api', 'worker']) {
      expect(s[name]!.depends_on!.migrate!.condition).toBe('service_completed_successfully');
      expect(s[name]!.depends_on!['temporal-setup']!.condition).toBe('service_completed_successfully');
    }
  });
});
