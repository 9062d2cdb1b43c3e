// docker-compose cannot run on the CI machine (no Docker engine), so its shape is checked here.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { CONFIG_VARIABLES, loadConfig } from '../../src/config.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: unknown };
  ports?: string[];
  container_name?: string;
}

const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as {
  services: Record<string, Service>;
};
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
const s = compose.services;

describe('docker-compose.yml', () => {
  it('has Postgres, Temporal on Postgres, the Web UI, the API and a worker, each with a health check', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'api', 'worker']) {
      expect(s[name], name).toBeDefined();
      expect(s[name]!.healthcheck, `${name} healthcheck`).toBeDefined();
    }
    expect(s.temporal!.image).toMatch(/^temporalio\/auto-setup:/);
    expect(s.temporal!.environment!.DB).toMatch(/^postgres/);
    expect(s.temporal!.environment!.POSTGRES_SEEDS).toBe('postgres');
  });

  it('registers every search attribute the workflow upserts', async () => {
    const { SEARCH_ATTRIBUTE_FLAGS } = await import('../../src/temporal/search-attributes.js');
    const setup = JSON.stringify(s['temporal-setup']);
    for (const [name, type] of Object.entries(SEARCH_ATTRIBUTE_FLAGS)) {
      expect(setup).toContain(`--name ${name} --type ${type}`);
    }
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

  it('runs npm scripts that exist', () => {
    for (const [name, svc] of Object.entries(s)) {
      const cmd = svc.command;
      if (svc.build && Array.isArray(cmd) && cmd[0] === 'npm') expect(pkg.scripts[cmd[2]!], `${name}: npm run ${cmd[2]}`).toBeDefined();
    }
  });

  it('starts the API and worker only after migrations and Temporal set-up', () => {
    for (const name of ['api', 'worker']) {
      expect(s[name]!.depends_on!.migrate!.condition).toBe('service_completed_successfully');
      expect(s[name]!.depends_on!['temporal-setup']!.condition).toBe('service_completed_successfully');
    }
  });
});
