import { afterAll, beforeAll, inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { cloneDatabase, uniqueDatabaseName, type TestDatabase } from './databases.js';

export type { TestDatabase } from './databases.js';

export const temporalAddress = () => inject('temporalAddress');

/** A task queue no other test uses, so that workers of parallel test files never steal work. */
export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** A fresh migrated database cloned from the run's template (fast: a file copy, no migrations). */
export function createTestDatabase(label = 'db'): Promise<TestDatabase> {
  return cloneDatabase({
    adminUrl: inject('adminDatabaseUrl'),
    template: inject('templateDatabase'),
    name: uniqueDatabaseName(`bf_test_${inject('runId')}`, label),
  });
}

/**
 * A test database for the enclosing describe block: created before its tests, dropped after them.
 * The returned object reads through to it, so it can be held from declaration time.
 */
export function useTestDatabase(label: string): TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(label);
  });
  afterAll(() => db?.drop());
  const current = () => {
    if (!db) throw new Error(`test database ${label} used outside its describe block's tests`);
    return db;
  };
  return {
    get url() {
      return current().url;
    },
    get name() {
      return current().name;
    },
    get pool() {
      return current().pool;
    },
    drop: () => current().drop(),
  };
}
