import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: {
      '@': path.resolve(__dirname),
      // `server-only` throws outside React Server Components; in tests we are the server.
      'server-only': path.resolve(__dirname, 'tests/support/empty.ts'),
    },
  },
  test: {
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/store/**/*.test.ts'],
    environment: 'node',
    // Each file gets its own module graph (and so its own config and database).
    isolate: true,
    pool: 'forks',
    testTimeout: 20_000,
  },
});
