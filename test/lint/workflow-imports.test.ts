// The determinism rule is only as good as the lint config that enforces it: prove it bites.
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function errorsFor(code: string, filePath = 'workflows/probe.ts'): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('workflows/** import rules', () => {
  it.each([
    [`import { readFileSync } from 'node:fs'; export const x = readFileSync;`],
    [`import { randomUUID } from 'crypto'; export const x = randomUUID;`],
    [`import pg from 'pg'; export const x = pg;`],
    [`import { Hono } from 'hono'; export const x = Hono;`],
    [`import { loadConfig } from '../src/config.js'; export const x = loadConfig;`],
    [`import { createActivities } from '../activities/index.js'; export const x = createActivities;`],
    [`import { Client } from '@temporalio/client'; export const x = Client;`],
  ])('rejects %s', async (code) => {
    expect(await errorsFor(code)).not.toEqual([]);
  });

  it.each([
    [`import { proxyActivities } from '@temporalio/workflow'; export const x = proxyActivities;`],
    [`import type { createActivities } from '../activities/index.js'; export type X = typeof createActivities;`],
    [`import { progressQuery } from './messages.js'; export const x = progressQuery;`],
  ])('allows %s', async (code) => {
    expect(await errorsFor(code)).toEqual([]);
  });

  it('does not restrict the same imports outside workflows/', async () => {
    expect(await errorsFor(`import pg from 'pg'; export const x = pg;`, 'src/db/probe.ts')).toEqual([]);
  });
});
