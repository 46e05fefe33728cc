import { availableParallelism } from 'node:os';
import path from 'node:path';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const alias = {
  '@': path.resolve(__dirname),
  // `server-only` throws outside React Server Components; in tests we are the server.
  'server-only': path.resolve(__dirname, 'tests/support/empty.ts'),
};

/** Where the `postgres` and `store` projects' PostgreSQL comes from (TEST_POSTGRES_URL, else an embedded server). */
const postgresSetup = ['tests/support/postgres-global-setup.ts'];

/**
 * Every project's settings. Spelled out rather than `extends: true`, which in Vitest 4 reloads this
 * whole file (projects and all) as the project's base.
 */
function project(name: string, include: string[], more: { env?: Record<string, string>; globalSetup?: string[] } = {}): TestProjectInlineConfiguration {
  return {
    resolve: { alias },
    test: {
      name,
      include,
      environment: 'node',
      // Each file gets its own module graph (and so its own config and database).
      isolate: true,
      pool: 'forks',
      testTimeout: 20_000,
      ...more,
    },
  };
}

export default defineConfig({
  resolve: { alias },
  test: {
    // Vitest's default is one worker fewer than the cores: one worker on our two-core machines,
    // where a file spends most of its time loading its modules on one core while the other idles
    // (the SQLite project alone: 112 s of CPU in 119 s of wall time). Two files at a time use both.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // `vitest run` runs them all; `--project <name>` picks some. The embedded PostgreSQL starts
    // once per run, and only when a `postgres` or `store` test is queued.
    projects: [
      project('unit', ['tests/unit/**/*.test.ts']),
      project('sqlite', ['tests/integration/**/*.test.ts'], { env: { TEST_DATABASE: 'sqlite' } }),
      project('postgres', ['tests/integration/**/*.test.ts'], { env: { TEST_DATABASE: 'postgres' }, globalSetup: postgresSetup }),
      // These files run the same suite against both adapters themselves.
      project('store', ['tests/store/**/*.test.ts'], { globalSetup: postgresSetup }),
      // The store conformance suite through a real PgBouncer in transaction mode: CI's (.ci/run),
      // registered only with TEST_POOLER=1, so `npm test` needs no PgBouncer.
      ...(process.env.TEST_POOLER === '1' ? [project('pooler', ['tests/pooler/**/*.test.ts'], { globalSetup: postgresSetup })] : []),
    ],
  },
});
